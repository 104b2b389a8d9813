// A dictionary on a plain buffer with a fake clock, for the shdict unit tests and the
// fuzz target (no GoogleTest here).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/shdict/dict.hpp"

namespace nlf::shdict::testing {

inline Value str(std::string_view s) {
    return {Type::string, 0, s};
}

inline Value num(double d) {
    return {Type::number, d, {}};
}

struct ZoneBase {
    explicit ZoneBase(std::size_t bytes)
        : mem(bytes / 8), dict(Dict::format(mem.data(), bytes, 0x5eed)), empty_free(dict->free_bytes()) {}

    std::vector<std::uint64_t> mem;  // 8-byte aligned
    Dict *dict;
    std::size_t empty_free;
    std::uint64_t now = 1'000'000;

    std::size_t heap_bytes() const { return empty_free; }

    Status set(std::string_view key, const Value &v) {
        bool forcible;
        return dict->store(StoreMode::set, false, dict->key(key), v, 0, 0, now, forcible);
    }

    std::string get_string(std::string_view key) {
        Found f;
        if (dict->get(dict->key(key), now, false, f) != Status::ok || f.value.type != Type::string) {
            return "<missing>";
        }
        return std::string(f.value.string);
    }

    double get_number(std::string_view key) {
        Found f;
        if (dict->get(dict->key(key), now, false, f) != Status::ok || f.value.type != Type::number) return -1;
        return f.value.number;
    }

    // The popped value as text; "none" or "not a list" otherwise.
    std::string pop(End end, std::string_view key) {
        std::string text;
        auto take = [&text](const Value &v) noexcept {
            text = v.type == Type::string ? std::string(v.string) : std::to_string(static_cast<long>(v.number));
        };
        switch (dict->pop(end, dict->key(key), now, ValueSink(take))) {
        case Status::ok: return text;
        case Status::not_a_list: return "not a list";
        default: return "none";
        }
    }

    std::set<std::string> keys(std::size_t bytes = 4096, std::size_t count = 256,
                               std::size_t max = SIZE_MAX) {
        std::set<std::string> out;
        std::vector<char> buf(bytes);
        std::vector<std::uint16_t> lengths(count);
        std::uint32_t cursor = 0;
        std::size_t got = 0;
        for (;;) {
            KeyBatch batch{buf.data(), buf.size(), lengths.data(), lengths.size()};
            // A small bucket budget walks the "more" path too.
            const BatchResult r = dict->collect_keys(now, cursor, 7, max - got, batch);
            if (r == BatchResult::too_small) {
                buf.resize(std::max(buf.size(), batch.needed_bytes));
                lengths.resize(std::max(lengths.size(), batch.needed_count));
                continue;
            }
            std::size_t at = 0;
            for (std::size_t i = 0; i < batch.count; ++i) {
                out.emplace(buf.data() + at, lengths[i]);
                at += lengths[i];
            }
            got += batch.count;
            if (r == BatchResult::done) return out;
        }
    }
};

}  // namespace nlf::shdict::testing
