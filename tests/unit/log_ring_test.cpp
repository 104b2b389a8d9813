#include <gtest/gtest.h>

#include "core/pure/log_ring.hpp"

#include <deque>
#include <random>
#include <string>
#include <vector>

using nlf::core::LogRing;

namespace {

struct Block {
    explicit Block(std::size_t size) : words((size + 7) / 8) {}
    void *data() { return words.data(); }
    std::vector<std::uint64_t> words;
};

}  // namespace

TEST(LogRing, KeepsRecordsInOrder) {
    Block block(1024);
    LogRing ring(block.data(), 1024);
    EXPECT_TRUE(ring.empty());
    ring.push(4, 1.5, "first");
    ring.push(8, 2.25, "");
    ring.push(5, 3.0, "third line");
    EXPECT_EQ(ring.count(), 3u);
    LogRing::Entry e{};
    ASSERT_TRUE(ring.pop(e));
    EXPECT_EQ(e.level, 4);
    EXPECT_EQ(e.time, 1.5);
    EXPECT_EQ(e.text, "first");
    ASSERT_TRUE(ring.pop(e));
    EXPECT_EQ(e.level, 8);
    EXPECT_EQ(e.text, "");
    ASSERT_TRUE(ring.pop(e));
    EXPECT_EQ(e.text, "third line");
    EXPECT_FALSE(ring.pop(e));
    EXPECT_TRUE(ring.empty());
}

TEST(LogRing, DropsTheOldestForRoom) {
    Block block(256);
    LogRing ring(block.data(), 256);
    for (int i = 0; i < 100; ++i) ring.push(i % 9, i, "line " + std::to_string(i));
    LogRing::Entry e{};
    std::vector<int> kept;
    while (ring.pop(e)) {
        EXPECT_EQ(e.text, "line " + std::to_string(static_cast<int>(e.time)));
        kept.push_back(static_cast<int>(e.time));
    }
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(kept.back(), 99);
    // Records of 32 bytes (24 of header): no more dropped than the room for one record
    // at the end of the block and one more takes.
    EXPECT_GE(kept.size(), (256u - 2 * 32u) / 32u);
    for (std::size_t i = 1; i < kept.size(); ++i) EXPECT_EQ(kept[i], kept[i - 1] + 1);
}

TEST(LogRing, CutsTextLongerThanTheBlock) {
    Block block(128);
    LogRing ring(block.data(), 128);
    ring.push(4, 0, "old");
    const std::string text(500, 'x');
    ring.push(3, 1, text);
    LogRing::Entry e{};
    ASSERT_TRUE(ring.pop(e));
    EXPECT_EQ(e.level, 3);
    EXPECT_LT(e.text.size(), 128u);
    EXPECT_GT(e.text.size(), 64u);
    EXPECT_EQ(e.text, text.substr(0, e.text.size()));
    EXPECT_FALSE(ring.pop(e));
}

TEST(LogRing, TooSmallABlockKeepsNothing) {
    Block block(16);
    LogRing ring(block.data(), 16);
    ring.push(4, 0, "x");
    EXPECT_TRUE(ring.empty());
}

// Random pushes and pops against a model: what comes out is always the most recent
// records, in order, the newest one always among them, and never more than fits.
TEST(LogRing, RandomUseKeepsTheNewestInOrder) {
    for (std::size_t size : {64u, 200u, 1000u, 4096u}) {
        Block block(size);
        LogRing ring(block.data(), size);
        std::mt19937 rng(static_cast<unsigned>(size));
        std::deque<int> pushed;  // what the model says may still be inside, oldest first
        int next = 0;
        for (int step = 0; step < 20000; ++step) {
            if (rng() % 3 != 0) {
                const std::string text(rng() % (size / 2), static_cast<char>('a' + next % 26));
                ring.push(next % 9, next, text);
                pushed.push_back(next++);
                continue;
            }
            LogRing::Entry e{};
            const bool got = ring.pop(e);
            if (!got) {
                ASSERT_TRUE(pushed.empty() || size < 64) << "size " << size << " step " << step;
                pushed.clear();
                continue;
            }
            const int id = static_cast<int>(e.time);
            // everything older than what came out was dropped
            while (!pushed.empty() && pushed.front() < id) pushed.pop_front();
            ASSERT_FALSE(pushed.empty());
            ASSERT_EQ(pushed.front(), id);
            pushed.pop_front();
            ASSERT_EQ(e.level, id % 9);
            for (char c : e.text) ASSERT_EQ(c, static_cast<char>('a' + id % 26));
        }
        ring.push(0, next, "newest");
        std::size_t bytes = 0;
        LogRing::Entry e{};
        int last = -1;
        while (ring.pop(e)) {
            bytes += e.text.size();
            EXPECT_GT(static_cast<int>(e.time), last);
            last = static_cast<int>(e.time);
        }
        EXPECT_LE(bytes, size);
        EXPECT_EQ(last, next);
    }
}
