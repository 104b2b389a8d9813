// Operation sequences against the dictionary and a simple model (std::map), checked
// after every step, with a fake clock: the unit tests draw the operations from a
// seeded generator, the fuzz target from its input. In a roomy zone the two must agree
// exactly; in a tight one the dictionary may also evict, which the model learns by
// probing (ttl() changes nothing) before each step.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <type_traits>

#include "shdict_zone.hpp"

namespace nlf::shdict::testing {

// Where a run's choices come from, and where its failures go.
class ModelDriver {
public:
    // A number below n (n > 0).
    virtual std::uint64_t below(std::uint64_t n) = 0;
    // A full 32-bit word.
    virtual std::uint32_t word() = 0;
    // True when no choices are left: the run ends.
    virtual bool exhausted() const = 0;
    virtual void fail(const std::string &what) = 0;

protected:
    ~ModelDriver() = default;
};

class ModelRun {
public:
    ModelRun(std::size_t zone_bytes, bool tight, ModelDriver &driver)
        : z_(zone_bytes), d_(driver), tight_(tight) {}

    // Runs up to `steps` steps; false after the first failure.
    bool run(int steps) {
        for (int i = 0; i < steps && !failed_ && !d_.exhausted(); ++i) {
            step_ = i;
            one_step();
            std::string why;
            if (!failed_ && !z_.dict->verify(z_.now, why)) fail("verify: " + why);
        }
        return !failed_;
    }

private:
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

    void fail(const std::string &what) {
        if (failed_) return;
        failed_ = true;
        d_.fail("step " + std::to_string(step_) + ": " + what);
    }

    template <typename T>
    static std::string text(const T &v) {
        if constexpr (std::is_enum_v<T>) {
            return std::to_string(static_cast<int>(v));
        } else if constexpr (std::is_constructible_v<std::string, T>) {
            return std::string(v);
        } else {
            return std::to_string(v);
        }
    }

    template <typename A, typename B>
    bool expect_eq(const A &got, const B &want, const char *what) {
        if (got == want) return true;
        fail(std::string(what) + ": got " + text(got) + ", want " + text(want));
        return false;
    }

    bool expect(bool ok, const char *what) {
        if (!ok) fail(what);
        return ok;
    }

    std::uint64_t below(std::uint64_t n) { return d_.below(n); }

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
        if (!expect_eq(got.type, want.type, "value type")) return;
        if (want.type == Type::string) {
            expect_eq(got.string, want.string, "string value");
        } else {
            expect_eq(got.number, want.number, "number value");
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
            expect_eq(s, Status::not_found, "get of a missing key");
            return;
        }
        Entry &e = it->second;
        const bool expired = e.expired(z_.now);
        if (expired && s == Status::not_found) {  // already reclaimed
            model_.erase(it);
            return;
        }
        if (e.value.type == Type::list) {
            expect_eq(s, Status::is_a_list, "get of a list");
            return;
        }
        if (!expect_eq(s, Status::ok, "get")) return;
        expect_same(e.value, f.value);
        expect_eq(f.user_flags, e.flags, "user flags");
        expect_eq(f.stale, expired, "stale");
    }

    void check_store(const std::string &key) {
        const auto mode = static_cast<StoreMode>(below(3));
        const bool safe = below(2) == 0;
        const bool nil = mode == StoreMode::set && below(6) == 0;
        const Element value = nil ? Element{Type::nil, 0, {}} : pick_element(true);
        const std::uint64_t ttl = below(3) == 0 ? 1 + below(200) : 0;
        const auto flags = below(3) == 0 ? d_.word() : 0;
        bool forcible = false;
        const Status s =
            z_.dict->store(mode, safe, z_.dict->key(key), view(value), ttl, flags, z_.now, forcible);
        Entry *e = live(key);
        if (mode == StoreMode::replace && e == nullptr) {
            expect_eq(s, Status::not_found, "replace of a missing key");
            return;
        }
        if (mode == StoreMode::add && e != nullptr) {
            expect_eq(s, Status::exists, "add of a live key");
            return;
        }
        expect(!forcible || (tight_ && !safe), "forcible store in a roomy zone or a safe one");
        if (nil) {
            expect_eq(s, Status::ok, "delete");
            model_.erase(key);
            return;
        }
        if (s == Status::no_memory) {
            expect(tight_ && safe, "no memory in a roomy zone or without safe");
            return;
        }
        if (!expect_eq(s, Status::ok, "store")) return;
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
                expect_eq(s, Status::not_a_number, "incr of a non-number");
                return;
            }
            if (!expect_eq(s, Status::ok, "incr")) return;
            e->value.number += delta;
            expect_eq(got, e->value.number, "incr result");
            return;
        }
        if (!with_init) {
            expect_eq(s, Status::not_found, "incr of a missing key without init");
            return;
        }
        if (!expect_eq(s, Status::ok, "incr with init")) return;
        expect_eq(got, init + delta, "incr with init result");
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
            expect_eq(s, Status::not_a_list, "push to a non-list");
            return;
        }
        if (s == Status::no_memory) {
            expect(tight_, "push out of memory in a roomy zone");
            if (e == nullptr) model_.erase(key);
            return;
        }
        if (!expect_eq(s, Status::ok, "push")) return;
        if (e == nullptr) {
            e = &(model_[key] = Entry{{Type::list, 0, {}}, {}, 0, false, 0});
        }
        if (end == End::front) {
            e->list.push_front(value);
        } else {
            e->list.push_back(value);
        }
        expect_eq(length, e->list.size(), "list length after push");
    }

    void check_pop(const std::string &key) {
        Element got{};
        auto take = [&got](const Value &v) noexcept { got = {v.type, v.number, std::string(v.string)}; };
        const End end = below(2) == 0 ? End::front : End::back;
        const Status s = z_.dict->pop(end, z_.dict->key(key), z_.now, ValueSink(take));
        Entry *e = live(key);
        if (e == nullptr) {
            expect_eq(s, Status::not_found, "pop of a missing key");
            return;
        }
        if (e->value.type != Type::list) {
            expect_eq(s, Status::not_a_list, "pop of a non-list");
            return;
        }
        if (!expect_eq(s, Status::ok, "pop")) return;
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
            expect_eq(s, Status::not_a_list, "length of a non-list");
            return;
        }
        if (!expect_eq(s, Status::ok, "length")) return;
        expect_eq(n, e != nullptr ? e->list.size() : 0u, "length result");
    }

    void check_ttl(const std::string &key) {
        std::uint64_t left = 0;
        const Status s = z_.dict->ttl(z_.dict->key(key), z_.now, left);
        Entry *e = live(key);
        if (e == nullptr) {
            expect_eq(s, Status::not_found, "ttl of a missing key");
            return;
        }
        if (!expect_eq(s, Status::ok, "ttl")) return;
        expect_eq(left, e->expires != 0 ? e->expires - z_.now : 0, "ttl result");
    }

    void check_expire(const std::string &key) {
        const std::uint64_t ttl = below(2) == 0 ? 0 : 1 + below(100);
        const Status s = z_.dict->expire(z_.dict->key(key), ttl, z_.now);
        Entry *e = live(key);
        if (e == nullptr) {
            expect_eq(s, Status::not_found, "expire of a missing key");
            return;
        }
        expect_eq(s, Status::ok, "expire");
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
        if (z_.keys() != want) fail("get_keys differs from the model");
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
        expect(freed <= expired, "flush_expired freed more than had expired");
        check_keys();
    }

    ZoneBase z_;
    ModelDriver &d_;
    bool tight_;
    std::map<std::string, Entry> model_;
    int step_ = 0;
    bool failed_ = false;
};

}  // namespace nlf::shdict::testing
