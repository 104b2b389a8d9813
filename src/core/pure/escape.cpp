#include "core/pure/escape.hpp"

#include <array>
#include <cstdint>

namespace nlf::core::escape {

namespace {

using ByteSet = std::array<bool, 256>;

struct SetSpec {
    std::string_view punctuation;  // printable ASCII bytes in the set
    bool del;                      // 0x7f
    bool high;                     // 0x80-0xff
    bool letters_and_digits;
};

// Control bytes 0x00-0x1f are escaped by every type.
constexpr ByteSet make_set(SetSpec spec) {
    ByteSet set{};
    for (int c = 0; c < 0x20; ++c) set[c] = true;
    for (char c : spec.punctuation) set[static_cast<unsigned char>(c)] = true;
    set[0x7f] = spec.del;
    for (int c = 0x80; c < 0x100; ++c) set[c] = spec.high;
    if (spec.letters_and_digits) {
        for (int c = '0'; c <= '9'; ++c) set[c] = true;
        for (int c = 'A'; c <= 'Z'; ++c) set[c] = true;
        for (int c = 'a'; c <= 'z'; ++c) set[c] = true;
    }
    return set;
}

constexpr SetSpec specs[uri_type_count] = {
    {" #%?", true, true, false},                          // uri
    {" #%+?", true, true, false},                         // args
    {" \"#$%&+,/:;<=>?@[\\]^`{|}", true, true, false},    // uri_component
    {" \"#%'", true, true, false},                        // html
    {" \"'", true, true, false},                          // refresh
    {" %", false, false, false},                          // memcached
    {" %", false, false, false},                          // mail_auth
    {" \"(),/:;<=>?@[\\]{}", true, true, false},          // header_name
};

constexpr std::array<ByteSet, uri_type_count> escaped_sets = [] {
    std::array<ByteSet, uri_type_count> sets{};
    for (int t = 0; t < uri_type_count; ++t) sets[t] = make_set(specs[t]);
    return sets;
}();

constexpr char hex_upper[] = "0123456789ABCDEF";

constexpr std::array<std::int8_t, 256> hex_values = [] {
    std::array<std::int8_t, 256> v{};
    for (auto &x : v) x = -1;
    for (int c = '0'; c <= '9'; ++c) v[c] = static_cast<std::int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) v[c] = static_cast<std::int8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) v[c] = static_cast<std::int8_t>(c - 'A' + 10);
    return v;
}();

// The byte after the backslash for each byte quote_sql escapes, 0 for the others.
constexpr std::array<char, 256> sql_escapes = [] {
    std::array<char, 256> e{};
    e['\0'] = '0';
    e['\b'] = 'b';
    e['\n'] = 'n';
    e['\r'] = 'r';
    e['\t'] = 't';
    e[0x1a] = 'Z';
    e['\\'] = '\\';
    e['\''] = '\'';
    e['"'] = '"';
    return e;
}();

}  // namespace

std::size_t escaped_length(std::string_view src, UriType type) noexcept {
    const ByteSet &set = escaped_sets[static_cast<int>(type)];
    std::size_t n = src.size();
    for (unsigned char c : src) n += set[c] ? 2 : 0;
    return n;
}

void escape_uri(std::string_view src, unsigned char *dst, UriType type) noexcept {
    const ByteSet &set = escaped_sets[static_cast<int>(type)];
    for (unsigned char c : src) {
        if (set[c]) {
            *dst++ = '%';
            *dst++ = static_cast<unsigned char>(hex_upper[c >> 4]);
            *dst++ = static_cast<unsigned char>(hex_upper[c & 0xf]);
        } else {
            *dst++ = c;
        }
    }
}

std::size_t unescape_uri(std::string_view src, unsigned char *dst) noexcept {
    const auto *s = reinterpret_cast<const unsigned char *>(src.data());
    const std::size_t len = src.size();
    unsigned char *d = dst;
    for (std::size_t i = 0; i < len; ++i) {
        const unsigned char c = s[i];
        if (c == '+') {
            *d++ = ' ';
        } else if (c == '%' && i + 2 < len && hex_values[s[i + 1]] >= 0 && hex_values[s[i + 2]] >= 0) {
            *d++ = static_cast<unsigned char>(hex_values[s[i + 1]] << 4 | hex_values[s[i + 2]]);
            i += 2;
        } else {
            *d++ = c;
        }
    }
    return static_cast<std::size_t>(d - dst);
}

std::size_t quoted_sql_length(std::string_view src) noexcept {
    std::size_t n = src.size() + 2;
    for (unsigned char c : src) n += sql_escapes[c] ? 1 : 0;
    return n;
}

void quote_sql(std::string_view src, unsigned char *dst) noexcept {
    *dst++ = '\'';
    for (unsigned char c : src) {
        if (char e = sql_escapes[c]) {
            *dst++ = '\\';
            *dst++ = static_cast<unsigned char>(e);
        } else {
            *dst++ = c;
        }
    }
    *dst = '\'';
}

}  // namespace nlf::core::escape
