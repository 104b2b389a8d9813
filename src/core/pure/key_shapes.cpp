#include "core/pure/key_shapes.hpp"

#include <cstring>

namespace nlf::core::key_shapes {

namespace {

// Value lengths beyond any real one: a `true` argument (a key without '='), and a
// value that did not fit its room and so always counts as changed.
constexpr std::uint16_t true_value = 0xfffe;
constexpr std::uint16_t unknown_value = 0xffff;

struct Slot {
    std::uint64_t hash;
    std::uint32_t flavor;
    std::uint16_t count;  // 0: empty (a list without keys is never stored)
    std::uint16_t key_lens[max_keys];
    std::uint16_t value_lens[max_keys];
    std::uint16_t value_at[max_keys];
    std::uint16_t value_room[max_keys];
    unsigned char keys[max_key_bytes];
    unsigned char values[max_value_bytes];
};

struct Table {
    Found found;
    Slot slot[slots];
};

// A few bytes of a key (not a copy of its head: a variable-length copy into a word
// stalls the load that follows it).
std::uint64_t sample(const unsigned char *p, std::size_t len) noexcept {
    return len ? p[0] | static_cast<std::uint64_t>(p[len / 2]) << 8 | static_cast<std::uint64_t>(p[len - 1]) << 16
               : 0;
}

// Picks the slot; equal keys are confirmed byte by byte, so the hash only needs to
// spread shapes over the slots. Kept to a few cycles a key: it runs on every call.
std::uint64_t hash_of(const FfiPair *pairs, int n, unsigned flavor) noexcept {
    std::uint64_t h = (static_cast<std::uint64_t>(flavor) << 32) ^ static_cast<std::uint64_t>(n);
    for (int i = 0; i < n; ++i) {
        const auto len = static_cast<std::size_t>(pairs[i].key.len);
        h = ((h << 7) | (h >> 57)) ^ sample(pairs[i].key.data, len) ^ (len << 24);
    }
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 32);
}

template <typename Word>
bool same_word(const unsigned char *a, const unsigned char *b) noexcept {
    Word x, y;
    std::memcpy(&x, a, sizeof x);
    std::memcpy(&y, b, sizeof y);
    return x == y;
}

// Equal bytes, compared a word at a time inline, the tail with one more word that
// overlaps the last one: names and values are short, and a library call or a byte
// loop for each would cost more than the comparison.
bool same_bytes(const unsigned char *a, const unsigned char *b, std::size_t len) noexcept {
    if (len >= 8) {
        for (std::size_t i = 0; i + 8 < len; i += 8) {
            if (!same_word<std::uint64_t>(a + i, b + i)) return false;
        }
        return same_word<std::uint64_t>(a + len - 8, b + len - 8);
    }
    if (len >= 4) return same_word<std::uint32_t>(a, b) && same_word<std::uint32_t>(a + len - 4, b + len - 4);
    return len == 0 || (a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]);
}

bool holds_keys(const Slot &s, std::uint64_t hash, const FfiPair *pairs, int n, unsigned flavor) noexcept {
    if (s.hash != hash || s.count != n || s.flavor != flavor) return false;
    const unsigned char *text = s.keys;
    for (int i = 0; i < n; ++i) {
        const auto len = static_cast<std::size_t>(pairs[i].key.len);
        if (s.key_lens[i] != len || !same_bytes(text, pairs[i].key.data, len)) return false;
        text += len;
    }
    return true;
}

bool holds_value(const Slot &s, int i, const FfiStr &v) noexcept {
    if (v.len < 0) return s.value_lens[i] == true_value;
    const auto len = static_cast<std::size_t>(v.len);
    return len <= s.value_room[i] && s.value_lens[i] == len && same_bytes(s.values + s.value_at[i], v.data, len);
}

void keep_value(Slot &s, int i, const FfiStr &v) noexcept {
    if (v.len < 0) {
        s.value_lens[i] = true_value;
    } else if (static_cast<std::size_t>(v.len) <= s.value_room[i]) {
        if (v.len) std::memcpy(s.values + s.value_at[i], v.data, static_cast<std::size_t>(v.len));
        s.value_lens[i] = static_cast<std::uint16_t>(v.len);
    } else {
        s.value_lens[i] = unknown_value;
    }
}

// Gives each value room for itself and a little growth (a counter gaining a digit),
// in order, while the slot has bytes left; the others never count as unchanged.
void store(Slot &s, std::uint64_t hash, const FfiPair *pairs, int n, unsigned flavor) noexcept {
    s.hash = hash;
    s.flavor = flavor;
    s.count = static_cast<std::uint16_t>(n);
    unsigned char *text = s.keys;
    std::size_t at = 0;
    for (int i = 0; i < n; ++i) {
        const auto len = static_cast<std::size_t>(pairs[i].key.len);
        s.key_lens[i] = static_cast<std::uint16_t>(len);
        if (len) std::memcpy(text, pairs[i].key.data, len);
        text += len;
        const std::size_t wanted = pairs[i].value.len < 0 ? 0 : (static_cast<std::size_t>(pairs[i].value.len) + 8) & ~std::size_t{7};
        const std::size_t room = wanted <= max_value_bytes - at ? wanted : 0;
        s.value_at[i] = static_cast<std::uint16_t>(at);
        s.value_room[i] = static_cast<std::uint16_t>(room);
        at += room;
        keep_value(s, i, pairs[i].value);
    }
}

}  // namespace

std::size_t table_size() noexcept {
    return sizeof(Table);
}

const Found &find(void *table, const FfiPair *pairs, int n, unsigned flavor) noexcept {
    Table &t = *static_cast<Table *>(table);
    Found &found = t.found;
    found.shape = uncached;
    found.changed_count = 0;
    if (n <= 0 || n > max_keys) return found;
    std::size_t bytes = 0;
    for (int i = 0; i < n; ++i) {
        if (pairs[i].key.len < 0) return found;
        bytes += static_cast<std::size_t>(pairs[i].key.len);
    }
    if (bytes > max_key_bytes) return found;
    const std::uint64_t hash = hash_of(pairs, n, flavor);
    const int index = static_cast<int>(hash % slots);
    Slot &s = t.slot[index];
    if (!holds_keys(s, hash, pairs, n, flavor)) {
        store(s, hash, pairs, n, flavor);
        found.shape = index + stored;
        return found;
    }
    found.shape = index;
    for (int i = 0; i < n; ++i) {
        if (holds_value(s, i, pairs[i].value)) continue;
        found.changed[found.changed_count++] = i;
        keep_value(s, i, pairs[i].value);
    }
    return found;
}

}  // namespace nlf::core::key_shapes
