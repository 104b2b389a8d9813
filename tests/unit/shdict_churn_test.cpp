// A zone kept at capacity by random writes of many sizes, with expiry, deletes and
// lists, as a production cache runs: after every step the dictionary must be intact,
// agree with a model on every value, have evicted only the least recently used live
// items (exact LRU), report `forcible` exactly when it evicted one, and never answer
// "no memory" to a store that may evict.
#include <gtest/gtest.h>

#include <deque>
#include <list>
#include <random>
#include <unordered_map>

#include "shdict_test_support.hpp"

using namespace nlf::shdict;
using nlf::shdict::testing::str;
using nlf::shdict::testing::Zone;

namespace {

struct Entry {
    Type type = Type::nil;
    std::string string;
    double number = 0;
    std::deque<std::string> list;  // type == list
    std::uint64_t expires = 0;
};

class ChurnRun {
public:
    ChurnRun(std::size_t zone_bytes, std::uint64_t seed) : z_(zone_bytes), rng_(seed) {}

    void run(int steps) {
        for (step_ = 0; step_ < steps && !::testing::Test::HasFailure(); ++step_) {
            const std::string key = pick_key();
            evicted_live_ = false;
            one_step(key);
            std::string why;
            ASSERT_TRUE(z_.dict->verify(z_.now, why)) << "step " << step_ << ": " << why;
            check_evictions(key);
            EXPECT_EQ(forcible_, evicted_live_) << "step " << step_;
            forcible_ = false;
        }
        EXPECT_GT(evictions_, static_cast<std::uint64_t>(steps) / 10) << "the zone never filled";
        EXPECT_GT(z_.dict->moved_bytes(), 0u) << "free space never had to be joined";
    }

private:
    std::uint64_t below(std::uint64_t n) { return rng_() % n; }

    std::string pick_key() {
        if (below(16) == 0) return "list" + std::to_string(below(8));
        return "key:" + std::to_string(below(4000));
    }

    std::string pick_string() {
        const std::size_t len = below(20) == 0 ? below(3000) : 60 + below(120);
        return std::string(len, static_cast<char>('a' + below(26)));
    }

    // What Dict::allocate may move for an item of `payload` bytes of key and value.
    static std::uint64_t move_bound(std::size_t payload) { return 4 * (48 + payload) + 512; }

    bool live(const std::string &key) const {
        auto it = model_.find(key);
        return it != model_.end() && (it->second.expires == 0 || it->second.expires > z_.now);
    }

    void touch(const std::string &key) {
        if (auto at = position_.find(key); at != position_.end()) recency_.erase(at->second);
        recency_.push_front(key);
        position_[key] = recency_.begin();
    }

    void forget(const std::string &key) {
        model_.erase(key);
        if (auto at = position_.find(key); at != position_.end()) {
            recency_.erase(at->second);
            position_.erase(at);
        }
    }

    // Live items the dictionary lost in this step must be the oldest live ones. The
    // model forgets expired ones: the dictionary may keep them (get_stale) or not.
    void check_evictions(const std::string &stepped) {
        bool kept_one = false;
        for (auto it = recency_.end(); it != recency_.begin();) {
            const std::string key = *--it;
            if (key == stepped) continue;
            const bool expired = !live(key);
            std::uint64_t ignored;
            if (expired) {
                it = std::next(it);
                forget(key);
                continue;
            }
            if (z_.dict->ttl(z_.dict->key(key), z_.now, ignored) == Status::ok) {
                kept_one = true;
                continue;
            }
            ASSERT_FALSE(kept_one) << "step " << step_ << ": " << key << " went before an older live item";
            evicted_live_ = true;
            ++evictions_;
            it = std::next(it);
            forget(key);
        }
    }

    void one_step(const std::string &key) {
        if (key.starts_with("list")) return below(2) == 0 ? check_push(key) : check_pop(key);
        switch (below(10)) {
        case 0:
        case 1:
        case 2: return check_get(key, false);
        case 3: return check_get(key, true);
        case 4:
        case 5:
        case 6: return check_store(key, below(4) == 0 ? StoreMode::add : StoreMode::set, below(8) == 0);
        case 7: return check_incr(key);
        case 8: return check_delete(key);
        default: z_.now += below(30); return;
        }
    }

    void check_get(const std::string &key, bool stale) {
        Found f;
        const Status s = z_.dict->get(z_.dict->key(key), z_.now, stale, f);
        const auto it = model_.find(key);
        if (!live(key)) {
            if (s == Status::ok) {
                ASSERT_TRUE(stale && f.stale) << "step " << step_;
            }
            return;
        }
        touch(key);
        const Entry &e = it->second;
        if (e.type == Type::list) {
            EXPECT_EQ(s, Status::is_a_list) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_ << " " << key;
        ASSERT_EQ(f.value.type, e.type) << "step " << step_;
        if (e.type == Type::string) {
            EXPECT_EQ(f.value.string, e.string) << "step " << step_;
        } else {
            EXPECT_EQ(f.value.number, e.number) << "step " << step_;
        }
    }

    void check_store(const std::string &key, StoreMode mode, bool safe) {
        Entry e{Type::string, pick_string(), 0, {}, 0};
        const std::uint64_t ttl = below(2) == 0 ? 1000 + below(2000) : 0;
        e.expires = ttl != 0 ? z_.now + ttl : 0;
        const std::size_t free_before = z_.dict->free_bytes();
        const std::uint64_t moved_before = z_.dict->moved_bytes();
        const Status s = z_.dict->store(mode, safe, z_.dict->key(key), str(e.string), ttl, 0, z_.now, forcible_);
        // A write that may evict never pays more than a few times its own size in
        // moves, however scattered the free space is.
        if (!safe) {
            EXPECT_LE(z_.dict->moved_bytes() - moved_before, move_bound(key.size() + e.string.size()))
                << "step " << step_;
        }
        if (mode == StoreMode::add && live(key)) {
            EXPECT_EQ(s, Status::exists) << "step " << step_;
            return;
        }
        if (s == Status::no_memory) {
            ASSERT_TRUE(safe) << "step " << step_ << ": a store that may evict found no memory";
            // The old value's block may also count: a generous bound on what it needs.
            EXPECT_LT(free_before, 48 + key.size() + e.string.size()) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        model_[key] = e;
        touch(key);
    }

    void check_incr(const std::string &key) {
        double got = 0;
        const double init = 1;
        const std::uint64_t moved_before = z_.dict->moved_bytes();
        const Status s = z_.dict->incr(z_.dict->key(key), 1, &init, 0, z_.now, got, forcible_);
        EXPECT_LE(z_.dict->moved_bytes() - moved_before, move_bound(key.size() + sizeof(double))) << "step " << step_;
        if (live(key) && model_[key].type != Type::number) {
            EXPECT_EQ(s, Status::not_a_number) << "step " << step_;
            return;
        }
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        if (live(key)) {
            model_[key].number += 1;
        } else {
            model_[key] = Entry{Type::number, {}, init + 1, {}, 0};
        }
        EXPECT_EQ(got, model_[key].number) << "step " << step_;
        touch(key);
    }

    void check_delete(const std::string &key) {
        ASSERT_EQ(z_.set(key, Value{}), Status::ok);
        forget(key);
    }

    void check_push(const std::string &key) {
        const std::string element = pick_string();
        std::uint64_t length = 0;
        const Status s = z_.dict->push(End::back, z_.dict->key(key), str(element), z_.now, length);
        if (live(key) && model_[key].type != Type::list) {
            EXPECT_EQ(s, Status::not_a_list) << "step " << step_;
            return;
        }
        if (s == Status::no_memory) return;  // lists never evict
        ASSERT_EQ(s, Status::ok) << "step " << step_;
        Entry &e = model_[key];
        if (e.type != Type::list) e = Entry{Type::list, {}, 0, {}, 0};
        e.list.push_back(element);
        EXPECT_EQ(length, e.list.size()) << "step " << step_;
        touch(key);
    }

    void check_pop(const std::string &key) {
        const std::string got = z_.pop(End::front, key);
        if (!live(key)) {
            EXPECT_EQ(got, "none") << "step " << step_;
            return;
        }
        Entry &e = model_[key];
        if (e.type != Type::list) {
            EXPECT_EQ(got, "not a list") << "step " << step_;
            return;
        }
        EXPECT_EQ(got, e.list.front()) << "step " << step_;
        e.list.pop_front();
        if (e.list.empty()) {
            forget(key);
        } else {
            touch(key);
        }
    }

    Zone z_;
    std::mt19937_64 rng_;
    std::unordered_map<std::string, Entry> model_;
    std::list<std::string> recency_;  // most recent first
    std::unordered_map<std::string, std::list<std::string>::iterator> position_;
    bool forcible_ = false;
    bool evicted_live_ = false;
    std::uint64_t evictions_ = 0;
    int step_ = 0;
};

}  // namespace

TEST(ShdictChurn, FullZoneEvictsExactlyInLruOrder) {
    for (std::uint64_t seed : {21, 22, 23}) {
        ChurnRun run(96 << 10, seed);
        run.run(30000);
    }
}
