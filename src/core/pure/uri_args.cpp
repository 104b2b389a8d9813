#include "core/pure/uri_args.hpp"

#include <algorithm>

namespace nlf::core {

namespace {

int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// What OpenResty's URI-component escaping leaves as it is: RFC 3986's unreserved
// characters and the sub-delims "!'()*" (as JavaScript's encodeURIComponent does).
bool component_safe(unsigned char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '\'' || c == '(' ||
           c == ')' || c == '*';
}

constexpr char hex_digits[] = "0123456789ABCDEF";

unsigned char *put_escaped(unsigned char *p, unsigned char c) noexcept {
    *p++ = '%';
    *p++ = static_cast<unsigned char>(hex_digits[c >> 4]);
    *p++ = static_cast<unsigned char>(hex_digits[c & 0xf]);
    return p;
}

bool control_or_space(unsigned char c) noexcept {
    return c <= ' ' || c == 0x7f;
}

FfiStr str(const unsigned char *data, std::size_t len) noexcept {
    return {static_cast<int>(len), data};
}

}  // namespace

std::size_t arg_segments(std::string_view args) noexcept {
    if (args.empty()) return 0;
    return static_cast<std::size_t>(std::count(args.begin(), args.end(), '&')) + 1;
}

std::size_t unescape_arg(unsigned char *s, std::size_t len) noexcept {
    std::size_t in = 0;
    std::size_t out = 0;
    while (in < len) {
        unsigned char c = s[in];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && in + 2 < len) {
            int hi = hex_value(s[in + 1]);
            int lo = hex_value(s[in + 2]);
            if (hi >= 0 && lo >= 0) {
                c = static_cast<unsigned char>(hi * 16 + lo);
                in += 2;
            }
        }
        s[out++] = c;
        ++in;
    }
    return out;
}

std::size_t parse_args(unsigned char *text, std::size_t len, FfiPair *out, std::size_t capacity,
                       std::size_t max, bool &truncated) noexcept {
    const std::size_t limit = max == 0 ? capacity : std::min(max, capacity);
    std::size_t n = 0;
    truncated = false;
    std::size_t start = 0;
    while (start < len) {
        std::size_t end = start;
        while (end < len && text[end] != '&') ++end;
        std::size_t eq = start;
        while (eq < end && text[eq] != '=') ++eq;
        if (eq > start) {  // a non-empty key
            if (n == limit) {
                truncated = true;
                break;
            }
            FfiPair &pair = out[n++];
            pair.key = str(text + start, unescape_arg(text + start, eq - start));
            if (eq == end) {
                pair.value = {-1, nullptr};
            } else {
                pair.value = str(text + eq + 1, unescape_arg(text + eq + 1, end - eq - 1));
            }
        }
        start = end + 1;
    }
    return n;
}

std::size_t escape_uri_component(std::string_view src, unsigned char *dst) noexcept {
    unsigned char *p = dst;
    for (unsigned char c : src) {
        if (component_safe(c)) {
            *p++ = c;
        } else {
            p = put_escaped(p, c);
        }
    }
    return static_cast<std::size_t>(p - dst);
}

std::size_t control_bytes(std::string_view src) noexcept {
    return static_cast<std::size_t>(std::count_if(src.begin(), src.end(), [](char c) {
        return control_or_space(static_cast<unsigned char>(c));
    }));
}

std::size_t escape_controls(std::string_view src, unsigned char *dst) noexcept {
    unsigned char *p = dst;
    for (unsigned char c : src) {
        if (control_or_space(c)) {
            p = put_escaped(p, c);
        } else {
            *p++ = c;
        }
    }
    return static_cast<std::size_t>(p - dst);
}

}  // namespace nlf::core
