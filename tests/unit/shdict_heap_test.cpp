#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "core/shdict/heap.hpp"

using nlf::shdict::Heap;
using nlf::shdict::HeapState;
using nlf::shdict::kUnit;
using nlf::shdict::Off;

namespace {

// A heap over a plain buffer; unit 0 stays unused so that 0 can mean "none".
struct TestHeap {
    explicit TestHeap(Off units) : memory(units), heap(reinterpret_cast<char *>(memory.data()), state) {
        heap.format(1, units);
    }
    void check() {
        std::string why;
        ASSERT_TRUE(heap.verify(why)) << why;
    }
    std::vector<std::uint64_t> memory;  // 8-byte aligned
    HeapState state{};
    Heap heap;
};

}  // namespace

TEST(ShdictHeap, AllocatesAndCoalescesBack) {
    TestHeap t(1000);
    const auto total = t.heap.free_units();
    std::vector<Off> blocks;
    for (int i = 0; i < 50; ++i) {
        Off b = t.heap.allocate(3 + i % 7);
        ASSERT_NE(b, 0u);
        blocks.push_back(b);
        t.check();
    }
    for (std::size_t i = 0; i < blocks.size(); i += 2) t.heap.release(blocks[i]);
    t.check();
    for (std::size_t i = 1; i < blocks.size(); i += 2) t.heap.release(blocks[i]);
    t.check();
    EXPECT_EQ(t.heap.free_units(), total);
    // Everything merged back: one block of the whole heap fits again.
    EXPECT_NE(t.heap.allocate(static_cast<std::uint32_t>(total)), 0u);
}

TEST(ShdictHeap, ExhaustionReturnsZero) {
    TestHeap t(100);
    EXPECT_EQ(t.heap.allocate(200), 0u);
    Off a = t.heap.allocate(90);
    ASSERT_NE(a, 0u);
    EXPECT_EQ(t.heap.allocate(20), 0u);
    t.check();
}

TEST(ShdictHeap, FindsAFittingBlockInsideItsOwnSizeClass) {
    // 100 units sits in a class spanning 96..103: a request of 97 must find it even
    // though good-fit rounding looks only at larger classes.
    TestHeap t(300);
    Off a = t.heap.allocate(100);
    Off fence = t.heap.allocate(2);
    Off rest = t.heap.allocate(static_cast<std::uint32_t>(t.heap.free_units()));
    ASSERT_NE(rest, 0u);
    t.heap.release(a);
    EXPECT_EQ(t.heap.allocate(97), a);
    (void)fence;
    t.check();
}

namespace {

// 100 blocks of 10 units with every other one freed: 50 holes of 10 units. Each live
// block holds a stamp in its second unit; `live` maps blocks to stamps.
void scatter(TestHeap &t, std::map<Off, std::uint64_t> &live) {
    std::vector<Off> blocks;
    for (std::uint64_t i = 0; i < 100; ++i) {
        Off b = t.heap.allocate(10);
        ASSERT_NE(b, 0u);
        t.memory[b + 1] = i;
        blocks.push_back(b);
    }
    for (std::size_t i = 0; i < blocks.size(); i += 2) t.heap.release(blocks[i]);
    for (std::size_t i = 1; i < blocks.size(); i += 2) live[blocks[i]] = t.memory[blocks[i] + 1];
}

}  // namespace

TEST(ShdictHeap, CompactionGathersScatteredFreeSpace) {
    TestHeap t(2000);
    std::map<Off, std::uint64_t> live;
    scatter(t, live);
    const auto free_before = t.heap.free_units();
    ASSERT_EQ(t.heap.allocate(static_cast<std::uint32_t>(free_before)), 0u);  // scattered

    std::size_t moves = 0;
    t.heap.compact(static_cast<std::uint32_t>(free_before), [&](Off from, Off to) {
        ASSERT_TRUE(live.count(from));
        EXPECT_EQ(t.memory[to + 1], live[from]);
        live.erase(from);
        ++moves;
    });
    t.check();
    EXPECT_EQ(t.heap.free_units(), free_before);
    EXPECT_NE(t.heap.allocate(static_cast<std::uint32_t>(free_before)), 0u);
    EXPECT_EQ(moves, 50u);  // the first block was freed: every live one moved
}

TEST(ShdictHeap, CompactionMovesOnlyWhatTheRequestNeeds) {
    TestHeap t(2000);
    std::map<Off, std::uint64_t> live;
    scatter(t, live);
    std::size_t moves = 0;
    t.heap.compact(30, [&](Off from, Off to) {
        EXPECT_EQ(t.memory[to + 1], live[from]);
        ++moves;
    });
    t.check();
    // Three holes of 10 make room for 30: two blocks slide over them.
    EXPECT_EQ(moves, 2u);
    EXPECT_NE(t.heap.allocate(30), 0u);
    t.check();
}

TEST(ShdictHeap, MovingANeighbourAwayGrowsAHole) {
    TestHeap t(1001);  // exactly the 100 blocks: no free tail
    std::map<Off, std::uint64_t> live;
    scatter(t, live);
    const auto free_before = t.heap.free_units();
    const Off hole = 1;
    const Off neighbour = 11;
    t.heap.mark_node(neighbour);
    std::uint64_t budget = 25;
    Off moved_to = 0;
    const Off grown = t.heap.move_neighbour_away(hole, budget, [&](Off from, Off to) {
        EXPECT_EQ(from, neighbour);
        EXPECT_EQ(t.memory[to + 1], live[from]);
        moved_to = to;
    });
    t.check();
    // The hole, the moved block's place and the hole after it join.
    EXPECT_EQ(grown, hole);
    EXPECT_EQ(t.heap.units_of(grown), 30u);
    EXPECT_EQ(budget, 15u);
    ASSERT_NE(moved_to, 0u);
    EXPECT_TRUE(t.heap.is_node(moved_to));
    EXPECT_EQ(t.heap.free_units(), free_before);
    // The next neighbour costs 10 more than is left of a budget of 5.
    budget = 5;
    EXPECT_EQ(t.heap.move_neighbour_away(grown, budget, [](Off, Off) { ADD_FAILURE(); }), 0u);
    EXPECT_EQ(budget, 5u);
    t.check();
}

TEST(ShdictHeap, ANeighbourMovesOnlyIntoAnotherFreeBlock) {
    TestHeap t(61);
    const Off a = t.heap.allocate(10);
    const Off big = t.heap.allocate(20);
    const Off b = t.heap.allocate(10);
    const Off c = t.heap.allocate(20);
    ASSERT_EQ(t.heap.free_units(), 0u);
    t.heap.release(a);
    t.heap.release(b);
    std::uint64_t budget = 100;
    // `big` fits only where it is (with the hole before it): nothing moves.
    EXPECT_EQ(t.heap.move_neighbour_away(a, budget, [](Off, Off) { ADD_FAILURE(); }), 0u);
    EXPECT_EQ(budget, 100u);
    EXPECT_EQ(t.heap.units_of(big), 20u);
    (void)c;
    t.check();
}

TEST(ShdictHeap, RandomAllocationsKeepInvariants) {
    TestHeap t(5000);
    std::mt19937 rng(7);
    std::vector<Off> live;
    for (int step = 0; step < 20000; ++step) {
        if (live.empty() || rng() % 3 != 0) {
            Off b = t.heap.allocate(1 + rng() % 60);
            if (b != 0) live.push_back(b);
        } else {
            std::size_t i = rng() % live.size();
            t.heap.release(live[i]);
            live[i] = live.back();
            live.pop_back();
        }
        if (step % 97 == 0) t.check();
    }
    for (Off b : live) t.heap.release(b);
    t.check();
    EXPECT_EQ(t.heap.free_units(), t.heap.total_units());
}
