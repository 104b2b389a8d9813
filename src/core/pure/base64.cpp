#include "core/pure/base64.hpp"

#include <array>
#include <cstdint>

namespace nlf::core::base64 {

namespace {

constexpr char standard_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t not_a_digit = 0xff;

using DecodeTable = std::array<std::uint8_t, 256>;

constexpr DecodeTable decode_table(const char (&digits)[65]) {
    DecodeTable table{};
    for (auto &v : table) v = not_a_digit;
    for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(digits[i])] = i;
    return table;
}

constexpr DecodeTable standard_table = decode_table(standard_digits);
constexpr DecodeTable url_table = decode_table(url_digits);

const DecodeTable &table_of(Alphabet alphabet) noexcept {
    return alphabet == Alphabet::url ? url_table : standard_table;
}

// Turns `n` sextets (a multiple of 4, then 0, 2 or 3 left over) into bytes.
std::size_t pack(const std::uint8_t *sextets, std::size_t n, unsigned char *dst) noexcept {
    if (n % 4 == 1) return invalid;
    unsigned char *d = dst;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const std::uint32_t v = std::uint32_t{sextets[i]} << 18 | std::uint32_t{sextets[i + 1]} << 12 |
                                std::uint32_t{sextets[i + 2]} << 6 | sextets[i + 3];
        *d++ = static_cast<unsigned char>(v >> 16);
        *d++ = static_cast<unsigned char>(v >> 8);
        *d++ = static_cast<unsigned char>(v);
    }
    if (n - i >= 2) *d++ = static_cast<unsigned char>(sextets[i] << 2 | sextets[i + 1] >> 4);
    if (n - i == 3) *d++ = static_cast<unsigned char>(sextets[i + 1] << 4 | sextets[i + 2] >> 2);
    return static_cast<std::size_t>(d - dst);
}

}  // namespace

std::size_t encode(std::string_view src, unsigned char *dst, Alphabet alphabet, bool padding) noexcept {
    const char *digits = alphabet == Alphabet::url ? url_digits : standard_digits;
    const auto *s = reinterpret_cast<const unsigned char *>(src.data());
    std::size_t len = src.size();
    unsigned char *d = dst;
    for (; len >= 3; len -= 3, s += 3) {
        const std::uint32_t v = std::uint32_t{s[0]} << 16 | std::uint32_t{s[1]} << 8 | s[2];
        *d++ = digits[v >> 18];
        *d++ = digits[v >> 12 & 0x3f];
        *d++ = digits[v >> 6 & 0x3f];
        *d++ = digits[v & 0x3f];
    }
    if (len > 0) {
        const std::uint32_t v = std::uint32_t{s[0]} << 16 | (len == 2 ? std::uint32_t{s[1]} << 8 : 0);
        *d++ = digits[v >> 18];
        *d++ = digits[v >> 12 & 0x3f];
        if (len == 2) {
            *d++ = digits[v >> 6 & 0x3f];
        } else if (padding) {
            *d++ = '=';
        }
        if (padding) *d++ = '=';
    }
    return static_cast<std::size_t>(d - dst);
}

std::size_t decode(std::string_view src, unsigned char *dst, Alphabet alphabet) noexcept {
    const DecodeTable &table = table_of(alphabet);
    const auto *s = reinterpret_cast<const unsigned char *>(src.data());
    const std::size_t n = src.size();
    // Whole groups of four digits first; a group with '=' or a byte outside the
    // alphabet (both have the high bit set in the table) ends the fast path.
    std::size_t i = 0;
    unsigned char *d = dst;
    for (; i + 4 <= n; i += 4) {
        const std::uint32_t a = table[s[i]], b = table[s[i + 1]], c = table[s[i + 2]], e = table[s[i + 3]];
        if ((a | b | c | e) & 0x80) break;
        const std::uint32_t v = a << 18 | b << 12 | c << 6 | e;
        *d++ = static_cast<unsigned char>(v >> 16);
        *d++ = static_cast<unsigned char>(v >> 8);
        *d++ = static_cast<unsigned char>(v);
    }
    if (i == n) return static_cast<std::size_t>(d - dst);
    // Fewer than four digits are left before the end or the '=' that stopped us.
    std::uint8_t tail[4];
    std::size_t left = 0;
    for (; i < n && s[i] != '='; ++i) {
        if (table[s[i]] == not_a_digit || left == 3) return invalid;
        tail[left++] = table[s[i]];
    }
    const std::size_t rest = pack(tail, left, d);
    return rest == invalid ? invalid : static_cast<std::size_t>(d - dst) + rest;
}

std::size_t decode_mime(std::string_view src, unsigned char *dst) noexcept {
    // Sextets are gathered four at a time, so dst (decoded_length_max of the input)
    // always has room: every group written consumed four input bytes or more.
    std::uint8_t group[4];
    std::size_t filled = 0;
    std::size_t written = 0;
    for (unsigned char c : src) {
        if (c == '=') break;
        const std::uint8_t v = standard_table[c];
        if (v == not_a_digit) continue;
        group[filled++] = v;
        if (filled == 4) {
            written += pack(group, 4, dst + written);
            filled = 0;
        }
    }
    const std::size_t rest = pack(group, filled, dst + written);
    return rest == invalid ? invalid : written + rest;
}

}  // namespace nlf::core::base64
