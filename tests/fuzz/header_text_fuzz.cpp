// Header text: escaping writes exactly what header_escapes() announces and leaves no
// byte that could end or split a field; restoring a raw request header stays within its
// bytes and gives back the text nginx's parser changed; host_length() stays within the
// value.
#include "core/pure/header_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

using nlf::core::HeaderPart;

namespace {

void check_escape(std::string_view s, HeaderPart part) {
    const std::size_t escapes = nlf::core::header_escapes(s, part);
    const std::size_t len = s.size() + 2 * escapes;
    auto out = std::make_unique<unsigned char[]>(len);
    if (nlf::core::escape_header(out.get(), s, part) != out.get() + len) std::abort();
    // Byte by byte: as it is, or %XX when header_escapes() counts it.
    static constexpr char hex[] = "0123456789ABCDEF";
    std::size_t at = 0;
    for (unsigned char c : s) {
        if (nlf::core::header_escapes(std::string_view(reinterpret_cast<const char *>(&c), 1), part) == 1) {
            if (out[at] != '%' || out[at + 1] != hex[c >> 4] || out[at + 2] != hex[c & 0xf]) std::abort();
            at += 3;
        } else if (out[at++] != c) {
            std::abort();
        }
    }
    // Nothing that could end the field or start another.
    for (std::size_t i = 0; i < len; ++i) {
        const unsigned char c = out[i];
        if (c == '\r' || c == '\n' || c == 0 || c == 0x7f) std::abort();
        if (part == HeaderPart::name && (c <= ' ' || c == ':' || c >= 0x80)) std::abort();
    }
}

// What nginx leaves in its buffer after parsing a header of "Name: value" lines: a NUL
// for the ':' and one for the line end (CR of a CRLF, or the LF).
void check_restore(std::string_view seed) {
    std::string header = "GET / HTTP/1.1\r\n";
    const bool crlf = !seed.empty() && (seed[0] & 1);
    const std::string eol = crlf ? "\r\n" : "\n";
    if (!crlf) header = "GET / HTTP/1.1\n";
    std::string parsed = header;
    std::string field;
    auto end_line = [&] {
        if (field.empty()) return;
        // nginx does not keep whitespace that ends a value.
        if (field.back() == ' ' || field.back() == '\t') field += 'v';
        header += field + eol;
        std::string nuls = field;
        nuls[nuls.find(':')] = '\0';
        parsed += nuls + '\0' + (crlf ? "\n" : "");
        field.clear();
    };
    for (std::size_t i = 1; i < seed.size(); ++i) {
        const char c = seed[i];
        if (c == '\n' || c == '\r' || c == '\0' || c == ':') {
            end_line();
        } else if (field.empty()) {
            field = std::string(1, std::isalnum(static_cast<unsigned char>(c)) ? c : 'x') + ": ";
        } else {
            field += c;
        }
    }
    end_line();
    header += eol;
    parsed += crlf ? "\r\n" : "\n";
    const std::string body = "body bytes";
    parsed += body;
    auto buf = std::make_unique<unsigned char[]>(parsed.size());
    std::copy(parsed.begin(), parsed.end(), buf.get());
    const std::size_t len = nlf::core::restore_raw_header(buf.get(), parsed.size());
    if (std::string_view(reinterpret_cast<const char *>(buf.get()), len) != header) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    check_escape(input, HeaderPart::name);
    check_escape(input, HeaderPart::value);

    // Arbitrary bytes, NULs anywhere: only the bounds matter.
    auto raw = std::make_unique<unsigned char[]>(size);
    std::copy(input.begin(), input.end(), raw.get());
    if (nlf::core::restore_raw_header(raw.get(), size) > size) std::abort();

    check_restore(input);

    const long host = nlf::core::host_length(input);
    if (host != -1 && (host <= 0 || static_cast<std::size_t>(host) > size)) std::abort();
    return 0;
}
