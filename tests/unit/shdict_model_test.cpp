// Random operation sequences against the dictionary and a simple model (std::map),
// checked after every step, with a fake clock. In a roomy zone the two must agree
// exactly; in a tight one the dictionary may also evict, which the model learns by
// probing (ttl() changes nothing) before each step.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>

#include "shdict_test_support.hpp"

using namespace nlf::shdict;
using nlf::shdict::testing::Zone;

namespace {

struct Element {
    Type type;
    double number;
    std::string string;
};

struct Entry {
    Element value;
    std::deque<Element> list;  // value.type == list
    std::uint64_t expires = 0;
    bool flushed = false;
    std::uint32_t flags = 0;

    bool expired(std::uint64_t now) const { return flushed || (expires != 0 && expires <= now); }
};

class ModelRun {
public:
    ModelRun(std::size_t zone_bytes, std::uint64_t seed, bool tight)
        : z_(zone_bytes), rng_(seed), tight_(tight) {}

    void run(int steps) {
        for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) {
            step_ = i;
            one_step();
            std::string why;
            ASSERT_TRUE(z_.dict->verify(z_.now, why)) << "step " << i << ": " << why;
        }
    }

private:
    std::uint64_t below(std::uint64_t n) { return rng_() % n; }

    std::string pick_key() {
        const auto i = below(64);
        if (i == 63) return std::string(300, 'L') + std::to_string(below(3));
        return "k" + std::to_string(i);
    }

    Element pick_element(bool allow_boolean) {
        switch (below(allow_boolean ? 3 : 2)) {
        case 0: {
            const std::size_t len = below(8) == 0 ? below(1500) : below(40);
            return {Type::string, 0, std::string(len, static_cast<char>('a' + below(26)))};
        }
        case 1: return {Type::number, static_cast<double>(below(1000)) / 4 - 50, {}};
        default: return {Type::boolean, static_cast<double>(below(2)), {}};
        }
    }

    static Value view(const Element &e) { return {e.type, e.number, e.string}; }

    Entry *live(const std::string &key) {
        auto it = model_.find(key);
        return it != model_.end() && !it->second.expired(z_.now) ? &it->second : nullptr;
    }

    // Tight zones evict: a live model entry the dictionary no longer has was evicted.
    void learn_evictions(const std::string &key) {
        std::uint64_t ignored;
        if (tight_ && live(key) != nullptr &&
            z_.dict->ttl(z_.dict->key(key), z_.now, ignored) == Status::not_found) {
            model_.erase(key);
        }
    }

    void expect_same(const Element &want, const Value &got) {
        ASSERT_EQ(static_cast<int>(got.type), static_cast<int>(want.type)) << "step " << step_;
        if (want.type == Type::string) {
            EXPECT_EQ(got.string, want.string) << "step " << step_;
        } else {
            EXPECT_EQ(got.number, want.number) << "step " << step_;
        }
    }

    void one_step() {
        const std::string key = pick_key();
        learn_evictions(key);
        switch (below(16)) {
        case 0:
        case 1: return check_get(key, false);
        case 2: return check_get(key, true);
        case 3:
        case 4:
        case 5: return check_store(key);
        case 6: return check_incr(key);
        case 7:
        case 8: return check_push(key);
        case 9: return check_pop(key);
        case 10: return check_length(key);
        case 11: return check_ttl(key);
        case 12: return check_expire(key);
        case 13:
            if (below(20) == 0) flush_all();
            return check_keys();
        case 14:
            if (below(10) == 0) return check_flush_expired();
            return;
        default: z_.now += below(40); return;
        }
    }

    void check_get(const std::string &key, bool stale) {
        Found f;
        const Status s = z_.dict->get(z_.dict->key(key), z_.now, stale, f);
        auto it = model_.find(key);
        if (it == model_.end() || (!stale && it->second.expired(z_.now))) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        Entry &e = it->second;
        const bool expired = e.expired(z_.now);
        if (expired && s == Status::not_found) {  // already reclaimed
            model_.erase(it);
            return;
        }
        if (e.value.type == Type::list) {
            EXPECT_EQ(s, Status::is_a_list) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        expect_same(e.value, f.value);
        EXPECT_EQ(f.user_flags, e.flags);
        EXPECT_EQ(f.stale, expired);
    }

    void check_store(const std::string &key) {
        const auto mode = static_cast<StoreMode>(below(3));
        const bool safe = below(2) == 0;
        const bool nil = mode == StoreMode::set && below(6) == 0;
        const Element value = nil ? Element{Type::nil, 0, {}} : pick_element(true);
        const std::uint64_t ttl = below(3) == 0 ? 1 + below(200) : 0;
        const auto flags = static_cast<std::uint32_t>(below(3) == 0 ? rng_() : 0);
        bool forcible = false;
        const Status s =
            z_.dict->store(mode, safe, z_.dict->key(key), view(value), ttl, flags, z_.now, forcible);
        Entry *e = live(key);
        if (mode == StoreMode::replace && e == nullptr) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        if (mode == StoreMode::add && e != nullptr) {
            EXPECT_EQ(s, Status::exists) << "step " << step_;
            return;
        }
        EXPECT_TRUE(!forcible || (tight_ && !safe)) << "step " << step_;
        if (nil) {
            EXPECT_EQ(s, Status::ok);
            model_.erase(key);
            return;
        }
        if (s == Status::no_memory) {
            EXPECT_TRUE(tight_ && safe) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        model_[key] = Entry{value, {}, ttl != 0 ? z_.now + ttl : 0, false, flags};
    }

    void check_incr(const std::string &key) {
        const double delta = static_cast<double>(below(21)) - 10;
        const double init = static_cast<double>(below(100));
        const bool with_init = below(2) == 0;
        const std::uint64_t init_ttl = below(3) == 0 ? 1 + below(100) : 0;
        double got = 0;
        bool forcible = false;
        const Status s = z_.dict->incr(z_.dict->key(key), delta, with_init ? &init : nullptr, init_ttl, z_.now,
                                       got, forcible);
        if (Entry *e = live(key)) {
            if (e->value.type != Type::number) {
                EXPECT_EQ(s, Status::not_a_number) << "step " << step_;
                return;
            }
            ASSERT_EQ(s, Status::ok) << "step " << step_;
            e->value.number += delta;
            EXPECT_EQ(got, e->value.number);
            return;
        }
        if (!with_init) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        EXPECT_EQ(got, init + delta);
        model_[key] =
            Entry{{Type::number, init + delta, {}}, {}, init_ttl != 0 ? z_.now + init_ttl : 0, false, 0};
    }

    void check_push(const std::string &key) {
        Entry *e = live(key);
        if (e != nullptr && e->value.type == Type::list && e->list.size() > 40) return;
        const Element value = pick_element(false);
        const End end = below(2) == 0 ? End::front : End::back;
        std::uint64_t length = 0;
        const Status s = z_.dict->push(end, z_.dict->key(key), view(value), z_.now, length);
        if (e != nullptr && e->value.type != Type::list) {
            EXPECT_EQ(s, Status::not_a_list) << "step " << step_;
            return;
        }
        if (s == Status::no_memory) {
            EXPECT_TRUE(tight_) << "step " << step_;
            if (e == nullptr) model_.erase(key);
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        if (e == nullptr) {
            e = &(model_[key] = Entry{{Type::list, 0, {}}, {}, 0, false, 0});
        }
        if (end == End::front) {
            e->list.push_front(value);
        } else {
            e->list.push_back(value);
        }
        EXPECT_EQ(length, e->list.size());
    }

    void check_pop(const std::string &key) {
        Element got{};
        auto take = [&got](const Value &v) noexcept { got = {v.type, v.number, std::string(v.string)}; };
        const End end = below(2) == 0 ? End::front : End::back;
        const Status s = z_.dict->pop(end, z_.dict->key(key), z_.now, ValueSink(take));
        Entry *e = live(key);
        if (e == nullptr) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        if (e->value.type != Type::list) {
            EXPECT_EQ(s, Status::not_a_list) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        const Element want = end == End::front ? e->list.front() : e->list.back();
        expect_same(want, Value{got.type, got.number, got.string});
        if (end == End::front) {
            e->list.pop_front();
        } else {
            e->list.pop_back();
        }
        if (e->list.empty()) model_.erase(key);
    }

    void check_length(const std::string &key) {
        std::uint64_t n = 99;
        const Status s = z_.dict->length(z_.dict->key(key), z_.now, n);
        Entry *e = live(key);
        if (e != nullptr && e->value.type != Type::list) {
            EXPECT_EQ(s, Status::not_a_list) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        EXPECT_EQ(n, e != nullptr ? e->list.size() : 0u) << "step " << step_;
    }

    void check_ttl(const std::string &key) {
        std::uint64_t left = 0;
        const Status s = z_.dict->ttl(z_.dict->key(key), z_.now, left);
        Entry *e = live(key);
        if (e == nullptr) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        EXPECT_EQ(left, e->expires != 0 ? e->expires - z_.now : 0) << "step " << step_;
    }

    void check_expire(const std::string &key) {
        const std::uint64_t ttl = below(2) == 0 ? 0 : 1 + below(100);
        const Status s = z_.dict->expire(z_.dict->key(key), ttl, z_.now);
        Entry *e = live(key);
        if (e == nullptr) {
            EXPECT_EQ(s, Status::not_found) << "step " << step_;
            return;
        }
        EXPECT_EQ(s, Status::ok) << "step " << step_;
        e->expires = ttl != 0 ? z_.now + ttl : 0;
    }

    void flush_all() {
        z_.dict->flush_all();
        for (auto &[key, e] : model_) e.flushed = true;
    }

    void check_keys() {
        std::set<std::string> want;
        for (auto it = model_.begin(); it != model_.end();) {
            const std::string key = it++->first;
            learn_evictions(key);
            if (live(key) != nullptr) want.insert(key);
        }
        EXPECT_EQ(z_.keys(), want) << "step " << step_;
    }

    void check_flush_expired() {
        std::uint32_t cursor = 0;
        const std::size_t freed = z_.dict->flush_expired(z_.now, cursor, UINT32_MAX, SIZE_MAX);
        std::size_t expired = 0;
        for (auto it = model_.begin(); it != model_.end();) {
            if (it->second.expired(z_.now)) {
                ++expired;
                it = model_.erase(it);
            } else {
                ++it;
            }
        }
        // Some were reclaimed on the way by writes already.
        EXPECT_LE(freed, expired) << "step " << step_;
        check_keys();
    }

    Zone z_;
    std::mt19937_64 rng_;
    bool tight_;
    std::map<std::string, Entry> model_;
    int step_ = 0;
};

}  // namespace

TEST(ShdictModel, RoomyZoneMatchesTheModelExactly) {
    for (std::uint64_t seed : {1, 2, 3}) {
        ModelRun run(4 << 20, seed, false);
        run.run(20000);
    }
}

TEST(ShdictModel, TightZoneEvictsButNeverCorrupts) {
    for (std::uint64_t seed : {11, 12, 13, 14}) {
        ModelRun run(8 << 10, seed, true);
        run.run(20000);
    }
}
