#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/shdict/spin_lock.hpp"

using nlf::shdict::SpinGuard;
using nlf::shdict::SpinLock;

TEST(ShdictSpinLock, CountsExactlyUnderContention) {
    SpinLock::Word word = 0;
    long counter = 0;
    constexpr int threads = 4;
    constexpr int rounds = 200000;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&word, &counter, t] {
            SpinLock lock(word, static_cast<SpinLock::Word>(t + 1));
            for (int i = 0; i < rounds; ++i) {
                SpinGuard guard(lock);
                ++counter;
            }
        });
    }
    for (auto &th : pool) th.join();
    EXPECT_EQ(counter, long{threads} * rounds);
    EXPECT_EQ(word, 0u);
}

TEST(ShdictSpinLock, HoldsTheOwnersId) {
    SpinLock::Word word = 0;
    SpinLock lock(word, 4242);
    lock.lock();
    EXPECT_EQ(word, 4242u);
    lock.unlock();
    EXPECT_EQ(word, 0u);
}
