// The key hash of the shared dictionary's index.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace nlf::shdict {

namespace detail {

inline std::uint64_t load64(const unsigned char *p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline std::uint32_t load32(const unsigned char *p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Multiplies to 128 bits and folds: every input bit reaches every output bit.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
    const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

inline constexpr std::uint64_t kMix0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kMix1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kMix2 = 0x8ebc6af09c88c6e3ull;

}  // namespace detail

// Keys are short (a few to a few dozen bytes) and hashed on every operation: read them
// 8 or 16 bytes at a time; up to 16 bytes cost two multiplications. The per-zone seed
// makes collisions unpredictable to clients that choose keys.
inline std::uint64_t hash_key(std::string_view key, std::uint64_t seed) noexcept {
    using namespace detail;
    const auto *p = reinterpret_cast<const unsigned char *>(key.data());
    std::size_t n = key.size();
    std::uint64_t h = seed ^ kMix0;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n <= 16) {
        if (n >= 8) {
            a = load64(p);
            b = load64(p + n - 8);
        } else if (n >= 4) {
            a = load32(p);
            b = load32(p + n - 4);
        } else if (n > 0) {
            a = (std::uint64_t{p[0]} << 16) | (std::uint64_t{p[n >> 1]} << 8) | p[n - 1];
        }
    } else {
        while (n > 16) {
            h = fold_multiply(load64(p) ^ kMix1, load64(p + 8) ^ h);
            p += 16;
            n -= 16;
        }
        a = load64(p + n - 16);
        b = load64(p + n - 8);
    }
    return fold_multiply(kMix1 ^ key.size() ^ fold_multiply(a ^ kMix1, b ^ h), kMix2);
}

// Equality of two keys of `n` bytes, without a call for short ones.
inline bool same_key(const char *x, const char *y, std::size_t n) noexcept {
    using namespace detail;
    const auto *a = reinterpret_cast<const unsigned char *>(x);
    const auto *b = reinterpret_cast<const unsigned char *>(y);
    if (n >= 8) {
        if (n > 16) return std::memcmp(a, b, n) == 0;
        return ((load64(a) ^ load64(b)) | (load64(a + n - 8) ^ load64(b + n - 8))) == 0;
    }
    if (n >= 4) return ((load32(a) ^ load32(b)) | (load32(a + n - 4) ^ load32(b + n - 4))) == 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

}  // namespace nlf::shdict
