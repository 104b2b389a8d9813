#include "core/pure/md5.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>

namespace nlf::core {

namespace {

using Word = std::uint32_t;
using Block = std::array<Word, 16>;
using State = std::array<Word, 4>;

constexpr std::size_t block_size = 64;

// RFC 1321's table: the integer part of 2^32 * |sin(i + 1)|.
constexpr std::array<Word, 64> sines = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

constexpr int shifts[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

// Which word of the block step `i` adds.
constexpr std::size_t message_index(std::size_t i) noexcept {
    switch (i / 16) {
    case 0: return i;
    case 1: return (1 + 5 * i) % 16;
    case 2: return (5 + 3 * i) % 16;
    default: return (7 * i) % 16;
    }
}

// Step `I`: a = b + rotl(a + f(b, c, d) + word + sine, s), where a is the state word
// the step replaces and b the one the previous step made. Everything that does not
// need b is summed first.
template <std::size_t I>
[[gnu::always_inline]] inline void step(State &v, const Block &x) noexcept {
    constexpr std::size_t a = (4 - I % 4) % 4, b = (a + 1) % 4, c = (a + 2) % 4, d = (a + 3) % 4;
    const Word base = v[a] + x[message_index(I)] + sines[I];
    Word sum;
    if constexpr (I < 16) {
        sum = base + (v[d] ^ (v[b] & (v[c] ^ v[d])));  // b ? c : d
    } else if constexpr (I < 32) {
        sum = (base + (v[c] & ~v[d])) + (v[b] & v[d]);  // d ? b : c, the two halves disjoint
    } else if constexpr (I < 48) {
        sum = base + (v[b] ^ (v[c] ^ v[d]));
    } else {
        sum = base + (v[c] ^ (v[b] | ~v[d]));
    }
    v[a] = v[b] + std::rotl(sum, shifts[I / 16][I % 4]);
}

// All 64 inlined into one function, where the state lives in registers.
template <std::size_t... I>
[[gnu::always_inline]] inline void steps(State &v, const Block &x, std::index_sequence<I...>) noexcept {
    (step<I>(v, x), ...);
}

void compress(State &state, const Block &x) noexcept {
    State v = state;
    steps(v, x, std::make_index_sequence<64>());
    for (std::size_t i = 0; i < 4; ++i) state[i] += v[i];
}

Word load_le(const unsigned char *p) noexcept {
    Word w;
    std::memcpy(&w, p, sizeof w);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap32(w);
    return w;
}

}  // namespace

void md5(std::string_view data, unsigned char digest[md5_length]) noexcept {
    State state = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    const auto *p = reinterpret_cast<const unsigned char *>(data.data());
    std::size_t n = data.size();
    Block x;
    for (; n >= block_size; n -= block_size, p += block_size) {
        for (std::size_t i = 0; i < 16; ++i) x[i] = load_le(p + 4 * i);
        compress(state, x);
    }

    // The rest, 0x80, zeros and the length in bits: one block, or two when the length
    // does not fit after the rest. Built a word at a time from the input (not bytes
    // stored and read back as words, which stalls store forwarding).
    x.fill(0);
    const std::size_t whole = n / 4;
    for (std::size_t i = 0; i < whole; ++i) x[i] = load_le(p + 4 * i);
    Word last = Word{0x80} << (8 * (n % 4));
    for (std::size_t k = n % 4; k-- > 0;) last |= Word{p[4 * whole + k]} << (8 * k);
    x[whole] = last;
    if (n >= block_size - 8) {
        compress(state, x);
        x.fill(0);
    }
    const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
    x[14] = static_cast<Word>(bits);
    x[15] = static_cast<Word>(bits >> 32);
    compress(state, x);

    for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t k = 0; k < 4; ++k) digest[4 * i + k] = static_cast<unsigned char>(state[i] >> (8 * k));
    }
}

}  // namespace nlf::core
