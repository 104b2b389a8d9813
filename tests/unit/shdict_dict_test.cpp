#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "shdict_test_support.hpp"

using namespace nlf::shdict;
using nlf::shdict::testing::num;
using nlf::shdict::testing::str;
using nlf::shdict::testing::Zone;

TEST(ShdictDict, FormatRejectsBadSizes) {
    std::vector<std::uint64_t> mem(1 << 12);
    EXPECT_EQ(Dict::format(mem.data(), 512, 1), nullptr);
    EXPECT_NE(Dict::format(mem.data(), mem.size() * 8, 1), nullptr);
    // Sizes are checked before any memory is touched.
    EXPECT_EQ(Dict::format(mem.data(), (std::size_t{32} << 30) + 8, 1), nullptr);
}

TEST(ShdictDict, StoresEveryValueType) {
    Zone z(64 << 10);
    EXPECT_EQ(z.set("s", str("hello")), Status::ok);
    EXPECT_EQ(z.set("e", str("")), Status::ok);
    EXPECT_EQ(z.set("n", num(3.5)), Status::ok);
    EXPECT_EQ(z.set("t", Value{Type::boolean, 1, {}}), Status::ok);
    EXPECT_EQ(z.set("f", Value{Type::boolean, 0, {}}), Status::ok);
    EXPECT_EQ(z.get_string("s"), "hello");
    EXPECT_EQ(z.get_string("e"), "");
    EXPECT_EQ(z.get_number("n"), 3.5);
    Found f;
    ASSERT_EQ(z.dict->get(z.dict->key("t"), z.now, false, f), Status::ok);
    EXPECT_EQ(f.value.type, Type::boolean);
    EXPECT_EQ(f.value.number, 1);
    ASSERT_EQ(z.dict->get(z.dict->key("f"), z.now, false, f), Status::ok);
    EXPECT_EQ(f.value.number, 0);
    EXPECT_EQ(z.set("s", Value{}), Status::ok);  // nil deletes
    EXPECT_EQ(z.dict->get(z.dict->key("s"), z.now, false, f), Status::not_found);
    z.check();
}

TEST(ShdictDict, UserFlagsComeBack) {
    Zone z(64 << 10);
    bool forcible;
    ASSERT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("k"), str("v"), 0, 0xfffffffe, z.now, forcible),
              Status::ok);
    Found f;
    ASSERT_EQ(z.dict->get(z.dict->key("k"), z.now, false, f), Status::ok);
    EXPECT_EQ(f.user_flags, 0xfffffffeu);
}

TEST(ShdictDict, AddAndReplace) {
    Zone z(64 << 10);
    bool forcible;
    EXPECT_EQ(z.dict->store(StoreMode::replace, false, z.dict->key("k"), num(1), 0, 0, z.now, forcible),
              Status::not_found);
    EXPECT_EQ(z.dict->store(StoreMode::add, false, z.dict->key("k"), num(1), 0, 0, z.now, forcible),
              Status::ok);
    EXPECT_EQ(z.dict->store(StoreMode::add, false, z.dict->key("k"), num(2), 0, 0, z.now, forcible),
              Status::exists);
    EXPECT_EQ(z.dict->store(StoreMode::replace, false, z.dict->key("k"), str("two"), 0, 0, z.now, forcible),
              Status::ok);
    EXPECT_EQ(z.get_string("k"), "two");
}

TEST(ShdictDict, ExpiryFollowsTheClock) {
    Zone z(64 << 10);
    bool forcible;
    ASSERT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("k"), str("v"), 1500, 7, z.now, forcible),
              Status::ok);
    std::uint64_t left;
    ASSERT_EQ(z.dict->ttl(z.dict->key("k"), z.now, left), Status::ok);
    EXPECT_EQ(left, 1500u);
    z.now += 1000;
    ASSERT_EQ(z.dict->ttl(z.dict->key("k"), z.now, left), Status::ok);
    EXPECT_EQ(left, 500u);
    EXPECT_EQ(z.get_string("k"), "v");
    z.now += 500;
    Found f;
    EXPECT_EQ(z.dict->get(z.dict->key("k"), z.now, false, f), Status::not_found);
    EXPECT_EQ(z.dict->ttl(z.dict->key("k"), z.now, left), Status::not_found);
    EXPECT_EQ(z.dict->expire(z.dict->key("k"), 100, z.now), Status::not_found);
    ASSERT_EQ(z.dict->get(z.dict->key("k"), z.now, true, f), Status::ok);
    EXPECT_TRUE(f.stale);
    EXPECT_EQ(f.value.string, "v");
    EXPECT_EQ(f.user_flags, 7u);
    // add over an expired item succeeds; replace does not see it.
    EXPECT_EQ(z.dict->store(StoreMode::replace, false, z.dict->key("k"), str("x"), 0, 0, z.now, forcible),
              Status::not_found);
    EXPECT_EQ(z.dict->store(StoreMode::add, false, z.dict->key("k"), str("x"), 0, 0, z.now, forcible),
              Status::ok);
    ASSERT_EQ(z.dict->ttl(z.dict->key("k"), z.now, left), Status::ok);
    EXPECT_EQ(left, 0u);
    EXPECT_EQ(z.dict->expire(z.dict->key("k"), 20, z.now), Status::ok);
    z.now += 19;
    EXPECT_EQ(z.get_string("k"), "x");
    z.now += 1;
    EXPECT_EQ(z.dict->get(z.dict->key("k"), z.now, false, f), Status::not_found);
    z.check();
}

TEST(ShdictDict, Incr) {
    Zone z(64 << 10);
    double v;
    bool forcible;
    EXPECT_EQ(z.dict->incr(z.dict->key("c"), 1, nullptr, 0, z.now, v, forcible), Status::not_found);
    const double init = 10;
    ASSERT_EQ(z.dict->incr(z.dict->key("c"), 1, &init, 0, z.now, v, forcible), Status::ok);
    EXPECT_EQ(v, 11);
    ASSERT_EQ(z.dict->incr(z.dict->key("c"), -2.5, &init, 0, z.now, v, forcible), Status::ok);
    EXPECT_EQ(v, 8.5);
    z.set("s", str("x"));
    EXPECT_EQ(z.dict->incr(z.dict->key("s"), 1, &init, 0, z.now, v, forcible), Status::not_a_number);
    // init_ttl applies to a new item only.
    ASSERT_EQ(z.dict->incr(z.dict->key("t"), 1, &init, 100, z.now, v, forcible), Status::ok);
    ASSERT_EQ(z.dict->incr(z.dict->key("t"), 1, &init, 5000, z.now, v, forcible), Status::ok);
    EXPECT_EQ(v, 12);
    std::uint64_t left;
    ASSERT_EQ(z.dict->ttl(z.dict->key("t"), z.now, left), Status::ok);
    EXPECT_EQ(left, 100u);
    z.now += 100;
    ASSERT_EQ(z.dict->incr(z.dict->key("t"), 1, &init, 0, z.now, v, forcible), Status::ok);
    EXPECT_EQ(v, 11);
    z.check();
}

TEST(ShdictDict, Lists) {
    Zone z(64 << 10);
    std::uint64_t n;
    ASSERT_EQ(z.dict->push(End::back, z.dict->key("l"), str("b"), z.now, n), Status::ok);
    EXPECT_EQ(n, 1u);
    ASSERT_EQ(z.dict->push(End::front, z.dict->key("l"), str("a"), z.now, n), Status::ok);
    ASSERT_EQ(z.dict->push(End::back, z.dict->key("l"), num(3), z.now, n), Status::ok);
    EXPECT_EQ(n, 3u);
    ASSERT_EQ(z.dict->length(z.dict->key("l"), z.now, n), Status::ok);
    EXPECT_EQ(n, 3u);
    Found f;
    EXPECT_EQ(z.dict->get(z.dict->key("l"), z.now, false, f), Status::is_a_list);
    double v;
    bool forcible;
    EXPECT_EQ(z.dict->incr(z.dict->key("l"), 1, nullptr, 0, z.now, v, forcible), Status::not_a_number);
    z.set("s", str("x"));
    EXPECT_EQ(z.dict->push(End::back, z.dict->key("s"), str("y"), z.now, n), Status::not_a_list);
    EXPECT_EQ(z.dict->length(z.dict->key("s"), z.now, n), Status::not_a_list);
    EXPECT_EQ(z.pop(End::front, "s"), "not a list");
    EXPECT_EQ(z.pop(End::front, "l"), "a");
    EXPECT_EQ(z.pop(End::back, "l"), "3");
    EXPECT_EQ(z.pop(End::back, "l"), "b");
    EXPECT_EQ(z.pop(End::back, "l"), "none");  // the empty list is gone
    ASSERT_EQ(z.dict->length(z.dict->key("l"), z.now, n), Status::ok);
    EXPECT_EQ(n, 0u);
    z.check();
}

TEST(ShdictDict, ExpiredListRestartsEmpty) {
    Zone z(64 << 10);
    std::uint64_t n;
    z.dict->push(End::back, z.dict->key("l"), str("old"), z.now, n);
    ASSERT_EQ(z.dict->expire(z.dict->key("l"), 10, z.now), Status::ok);
    z.now += 10;
    EXPECT_EQ(z.pop(End::front, "l"), "none");
    ASSERT_EQ(z.dict->push(End::back, z.dict->key("l"), str("new"), z.now, n), Status::ok);
    EXPECT_EQ(n, 1u);
    EXPECT_EQ(z.pop(End::front, "l"), "new");
    z.check();
}

TEST(ShdictDict, FlushAllHidesEverythingAtOnce) {
    Zone z(64 << 10);
    for (int i = 0; i < 100; ++i) z.set("k" + std::to_string(i), num(i));
    const auto used = z.heap_bytes() - z.dict->free_bytes();
    z.dict->flush_all();
    Found f;
    EXPECT_EQ(z.dict->get(z.dict->key("k1"), z.now, false, f), Status::not_found);
    ASSERT_EQ(z.dict->get(z.dict->key("k1"), z.now, true, f), Status::ok);
    EXPECT_TRUE(f.stale);
    EXPECT_TRUE(z.keys().empty());
    EXPECT_EQ(z.heap_bytes() - z.dict->free_bytes(), used);  // flushing frees nothing yet
    std::uint32_t cursor = 0;
    EXPECT_EQ(z.dict->flush_expired(z.now, cursor, UINT32_MAX, SIZE_MAX), 100u);
    EXPECT_EQ(z.dict->free_bytes(), z.heap_bytes());
    z.set("k1", num(5));
    EXPECT_EQ(z.get_number("k1"), 5);
    z.check();
}

TEST(ShdictDict, FlushExpiredHonoursItsLimit) {
    Zone z(64 << 10);
    bool forcible;
    for (int i = 0; i < 20; ++i) {
        z.dict->store(StoreMode::set, false, z.dict->key("e" + std::to_string(i)), num(i), 5, 0, z.now,
                      forcible);
    }
    z.set("live", num(1));
    z.now += 5;
    std::uint32_t cursor = 0;
    EXPECT_EQ(z.dict->flush_expired(z.now, cursor, UINT32_MAX, 7), 7u);
    cursor = 0;
    EXPECT_EQ(z.dict->flush_expired(z.now, cursor, UINT32_MAX, SIZE_MAX), 13u);
    EXPECT_EQ(z.keys(), std::set<std::string>{"live"});
    z.check();
}

TEST(ShdictDict, KeysComeInBatchesAndGrowTheBuffer) {
    Zone z(256 << 10);
    std::set<std::string> want;
    for (int i = 0; i < 500; ++i) {
        std::string key(1 + i % 40, 'a' + i % 26);
        key += std::to_string(i);
        z.set(key, num(i));
        want.insert(key);
    }
    // A batch of 16 bytes forces many rounds and "too small" answers.
    EXPECT_EQ(z.keys(16, 2), want);
    EXPECT_EQ(z.keys(), want);
    EXPECT_EQ(z.keys(4096, 256, 10).size(), 10u);
}

TEST(ShdictDict, EvictsTheLeastRecentlyUsed) {
    Zone z(16 << 10);
    bool forcible = false;
    int stored = 0;
    // Fill the heap exactly, without eviction.
    for (;; ++stored) {
        Status s = z.dict->store(StoreMode::set, true, z.dict->key("k" + std::to_string(stored)),
                                 str(std::string(100, 'x')), 0, 0, z.now, forcible);
        if (s != Status::ok) break;
    }
    ASSERT_GT(stored, 20);
    Found f;
    ASSERT_EQ(z.dict->get(z.dict->key("k0"), z.now, false, f), Status::ok);  // k0 becomes most recent
    ASSERT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("new"), str(std::string(100, 'y')), 0, 0, z.now,
                            forcible),
              Status::ok);
    EXPECT_TRUE(forcible);
    EXPECT_EQ(z.dict->get(z.dict->key("k1"), z.now, false, f), Status::not_found);  // the oldest untouched
    EXPECT_EQ(z.get_string("k0"), std::string(100, 'x'));
    EXPECT_EQ(z.get_string("new"), std::string(100, 'y'));
    z.check();
}

TEST(ShdictDict, ExpiredItemsGoBeforeLiveOnes) {
    Zone z(16 << 10);
    bool forcible = false;
    int stored = 0;
    for (;; ++stored) {
        // The first ten expire soon.
        const std::uint64_t ttl = stored < 10 ? 5 : 0;
        if (z.dict->store(StoreMode::set, true, z.dict->key("k" + std::to_string(stored)),
                          str(std::string(100, 'x')), ttl, 0, z.now, forcible) != Status::ok) {
            break;
        }
    }
    z.now += 5;
    ASSERT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("new"), str(std::string(100, 'y')), 0, 0, z.now,
                            forcible),
              Status::ok);
    EXPECT_FALSE(forcible);
    z.check();
}

TEST(ShdictDict, SafeStoreNeverEvictsAndKeepsTheOldValue) {
    Zone z(16 << 10);
    bool forcible = false;
    z.set("big", str(std::string(2000, 'a')));
    for (int i = 0; z.dict->store(StoreMode::set, true, z.dict->key("f" + std::to_string(i)), num(1), 0, 0,
                                  z.now, forcible) == Status::ok;
         ++i) {}
    EXPECT_FALSE(forcible);
    EXPECT_EQ(z.dict->store(StoreMode::set, true, z.dict->key("big"), str(std::string(6000, 'b')), 0, 0, z.now,
                            forcible),
              Status::no_memory);
    EXPECT_EQ(z.get_string("big"), std::string(2000, 'a'));
    z.check();
}

namespace {

// Fills the zone with 200-byte values k0, k1, ... and deletes every other one: half the
// heap is free, in holes the size of one item. Returns how many were stored.
int scatter_free_space(Zone &z) {
    bool forcible = false;
    int n = 0;
    while (z.dict->store(StoreMode::set, true, z.dict->key("k" + std::to_string(n)), str(std::string(200, 'x')),
                         0, 0, z.now, forcible) == Status::ok) {
        ++n;
    }
    for (int i = 0; i < n; i += 2) z.set("k" + std::to_string(i), Value{});
    return n;
}

}  // namespace

TEST(ShdictDict, ScatteredFreeSpaceIsUsedWithoutEvicting) {
    Zone z(64 << 10);
    bool forcible = false;
    const int n = scatter_free_space(z);
    // A 20 kB value fits only once the holes join.
    const std::string big(20000, 'z');
    ASSERT_EQ(z.dict->store(StoreMode::set, true, z.dict->key("big"), str(big), 0, 0, z.now, forcible),
              Status::ok);
    EXPECT_FALSE(forcible);
    EXPECT_EQ(z.get_string("big"), big);
    for (int i = 1; i < n; i += 2) EXPECT_EQ(z.get_string("k" + std::to_string(i)), std::string(200, 'x'));
    z.check();
}

TEST(ShdictDict, ScatteredFreeSpaceIsJoinedBeforeAnyEviction) {
    Zone z(64 << 10);
    bool forcible = false;
    const int n = scatter_free_space(z);
    // A write that may evict joins a few holes by moving the items between them,
    // moving not much more than it writes, and evicts nothing.
    const std::uint64_t moved_before = z.dict->moved_bytes();
    const std::string value(1000, 'z');
    ASSERT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("new"), str(value), 0, 0, z.now, forcible),
              Status::ok);
    EXPECT_FALSE(forcible);
    EXPECT_GT(z.dict->moved_bytes(), moved_before);
    EXPECT_LE(z.dict->moved_bytes() - moved_before, 4 * value.size());
    EXPECT_EQ(z.get_string("new"), value);
    for (int i = 1; i < n; i += 2) EXPECT_EQ(z.get_string("k" + std::to_string(i)), std::string(200, 'x'));
    z.check();
}

TEST(ShdictDict, ValueLargerThanTheZoneIsRefusedUntouched) {
    Zone z(16 << 10);
    z.set("keep", num(1));
    bool forcible;
    EXPECT_EQ(z.dict->store(StoreMode::set, false, z.dict->key("huge"), str(std::string(20000, 'x')), 0, 0,
                            z.now, forcible),
              Status::no_memory);
    EXPECT_EQ(z.get_number("keep"), 1);
    z.check();
}

TEST(ShdictDict, AttachSeesWhatWasStored) {
    std::vector<std::uint64_t> mem(8192);
    Dict *d = Dict::format(mem.data(), mem.size() * 8, 42);
    ASSERT_NE(d, nullptr);
    bool forcible;
    d->store(StoreMode::set, false, d->key("k"), Value{Type::string, 0, "v"}, 0, 0, 1, forcible);
    Dict *again = Dict::attach(mem.data(), mem.size() * 8);
    ASSERT_EQ(again, d);
    Found f;
    ASSERT_EQ(again->get(again->key("k"), 1, false, f), Status::ok);
    EXPECT_EQ(f.value.string, "v");
    EXPECT_EQ(Dict::attach(mem.data(), mem.size() * 8 - 8), nullptr);
    mem[0] = 0;
    EXPECT_EQ(Dict::attach(mem.data(), mem.size() * 8), nullptr);
}
