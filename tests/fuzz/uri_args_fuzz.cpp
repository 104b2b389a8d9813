// Query strings and form bodies (ngx.req.get_uri_args, get_post_args, ngx.decode_args):
// parse_args on arbitrary text, into exactly the room arg_segments() announces, gives
// the pairs a plain reading of the text does; the escapers write what they announce and
// unescape back to their input.
#include "core/pure/uri_args.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using nlf::core::FfiPair;
using nlf::core::FfiStr;

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The reading of the docs: '+' is a space, %XX a byte, anything else as it is.
std::string unescaped(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Pairs separated by '&', the key up to the first '=', empty keys skipped; a key
// without '=' has no value ("<none>").
std::vector<std::pair<std::string, std::string>> model(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('&', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view segment = text.substr(start, end - start);
        const std::size_t eq = segment.find('=');
        if (eq != 0 && !segment.empty()) {
            if (eq == std::string_view::npos) {
                pairs.emplace_back(unescaped(segment), "<none>");
            } else {
                pairs.emplace_back(unescaped(segment.substr(0, eq)), unescaped(segment.substr(eq + 1)));
            }
        }
        start = end + 1;
    }
    return pairs;
}

bool inside(const FfiStr &s, const unsigned char *begin, std::size_t len) {
    return s.len >= 0 && s.data >= begin && s.data + s.len <= begin + len;
}

std::string text_of(const FfiStr &s) {
    return {reinterpret_cast<const char *>(s.data), static_cast<std::size_t>(s.len)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte is the `max` argument (0: no limit).
    const std::size_t max = data[0] % 8;
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);

    const std::size_t capacity = nlf::core::arg_segments(text);
    // Heap blocks of exactly the promised size, so that ASan sees any overrun.
    auto pairs = std::make_unique<FfiPair[]>(capacity);
    auto copy = std::make_unique<unsigned char[]>(text.size());
    std::copy(text.begin(), text.end(), copy.get());
    bool truncated = false;
    const std::size_t n = nlf::core::parse_args(copy.get(), text.size(), pairs.get(), capacity, max, truncated);

    const auto want = model(text);
    const std::size_t limit = max == 0 ? want.size() : std::min(max, want.size());
    if (n != limit || truncated != (want.size() > limit)) std::abort();
    for (std::size_t i = 0; i < n; ++i) {
        const FfiPair &p = pairs[i];
        if (!inside(p.key, copy.get(), text.size()) || p.key.len == 0) std::abort();
        if (text_of(p.key) != want[i].first) std::abort();
        if (p.value.len == -1) {
            if (p.value.data != nullptr || want[i].second != "<none>") std::abort();
        } else if (!inside(p.value, copy.get(), text.size()) || text_of(p.value) != want[i].second) {
            std::abort();
        }
    }

    // Decoding in place never grows.
    std::vector<unsigned char> raw(text.begin(), text.end());
    const std::size_t decoded = nlf::core::unescape_arg(raw.data(), raw.size());
    if (std::string_view(reinterpret_cast<const char *>(raw.data()), decoded) != unescaped(text)) std::abort();

    // A URI component escapes every byte that decoding would change: it comes back.
    auto escaped = std::make_unique<unsigned char[]>(3 * text.size() + 1);
    const std::size_t e = nlf::core::escape_uri_component(text, escaped.get());
    if (e > 3 * text.size()) std::abort();
    const std::string_view escaped_text(reinterpret_cast<const char *>(escaped.get()), e);
    if (escaped_text.find_first_of("&=+ ") != std::string_view::npos) std::abort();
    if (unescaped(escaped_text) != text) std::abort();

    // Controls, space and DEL as %XX, nothing else touched.
    const std::size_t controls = nlf::core::control_bytes(text);
    auto safe = std::make_unique<unsigned char[]>(text.size() + 2 * controls);
    const std::size_t s = nlf::core::escape_controls(text, safe.get());
    if (s != text.size() + 2 * controls) std::abort();
    for (std::size_t i = 0; i < s; ++i) {
        if (safe[i] <= ' ' || safe[i] == 0x7f) std::abort();
    }
    return 0;
}
