#include "core/pure/header_text.hpp"

#include <cstring>

namespace nlf::core {

namespace {

constexpr bool escaped_in_name(unsigned char c) noexcept {
    if (c <= 0x20 || c >= 0x7f) return true;
    switch (c) {
    case '"': case '(': case ')': case ',': case '/': case ':': case ';': case '<':
    case '=': case '>': case '?': case '@': case '[': case '\\': case ']': case '{':
    case '}':
        return true;
    default:
        return false;
    }
}

constexpr bool escaped_in_value(unsigned char c) noexcept {
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

struct EscapeTables {
    bool name[256];
    bool value[256];
};

constexpr EscapeTables make_tables() noexcept {
    EscapeTables t{};
    for (int c = 0; c < 256; ++c) {
        t.name[c] = escaped_in_name(static_cast<unsigned char>(c));
        t.value[c] = escaped_in_value(static_cast<unsigned char>(c));
    }
    return t;
}

constexpr EscapeTables tables = make_tables();

bool escaped(unsigned char c, HeaderPart part) noexcept {
    return part == HeaderPart::name ? tables.name[c] : tables.value[c];
}

}  // namespace

std::size_t header_escapes(std::string_view s, HeaderPart part) noexcept {
    const bool *table = part == HeaderPart::name ? tables.name : tables.value;
    std::size_t n = 0;
    for (unsigned char c : s) n += table[c];
    return n;
}

unsigned char *escape_header(unsigned char *dst, std::string_view s, HeaderPart part) noexcept {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : s) {
        if (escaped(c, part)) {
            *dst++ = '%';
            *dst++ = static_cast<unsigned char>(hex[c >> 4]);
            *dst++ = static_cast<unsigned char>(hex[c & 0xf]);
        } else {
            *dst++ = c;
        }
    }
    return dst;
}

std::size_t restore_raw_header(unsigned char *data, std::size_t len) noexcept {
    // Per line, the first NUL was the ':' after the name; the second the byte after
    // the value: the CR of a CRLF, a LF, or trailing whitespace. A NUL before a LF is
    // a CR, or a LF before the empty line: the request line's ending tells which.
    const auto *first_lf = static_cast<const unsigned char *>(std::memchr(data, '\n', len));
    const bool crlf = first_lf && first_lf > data && first_lf[-1] == '\r';
    int nuls_in_line = 0;
    for (std::size_t i = 0; i < len; ++i) {
        unsigned char &c = data[i];
        if (c == '\n') {
            nuls_in_line = 0;
            continue;
        }
        if (c != '\0') continue;
        if (nuls_in_line++ == 0) {
            c = ':';
            continue;
        }
        const unsigned char next = i + 1 < len ? data[i + 1] : '\n';
        if (next == '\n' && crlf) {
            c = '\r';
        } else if (next == '\r' || next == ' ' || next == '\t') {
            c = ' ';
        } else {
            c = '\n';
            nuls_in_line = 0;
        }
    }
    // The header ends at the first empty line (CRLF or LF endings, possibly mixed).
    for (std::size_t i = 0; i < len; ++i) {
        if (data[i] != '\n') continue;
        std::size_t j = i + 1;
        if (j < len && data[j] == '\r') ++j;
        if (j < len && data[j] == '\n') return j + 1;
    }
    return len;
}

long host_length(std::string_view host) noexcept {
    enum { usual, literal, rest } state = usual;
    std::size_t host_len = host.size();
    std::size_t last_dot = host.size();
    for (std::size_t i = 0; i < host.size(); ++i) {
        const char ch = host[i];
        switch (ch) {
        case '.':
            if (i > 0 && last_dot == i - 1) return -1;
            last_dot = i;
            break;
        case ':':
            if (state == usual) {
                host_len = i;
                state = rest;
            }
            break;
        case '[':
            if (i == 0) state = literal;
            break;
        case ']':
            if (state == literal) {
                host_len = i + 1;
                state = rest;
            }
            break;
        case '\0':
        case '/':
            return -1;
        default:
            break;
        }
    }
    if (host_len > 0 && last_dot == host_len - 1) --host_len;
    return host_len == 0 ? -1 : static_cast<long>(host_len);
}

}  // namespace nlf::core
