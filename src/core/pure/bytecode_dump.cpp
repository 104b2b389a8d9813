#include "core/pure/bytecode_dump.hpp"

#include <cstdint>

namespace nlf::core {

namespace {

constexpr unsigned char kDumpFlagStrip = 0x02;  // BCDUMP_F_STRIP: no debug info
constexpr std::size_t kProtoFixedHeader = 4;    // flags, numparams, framesize, sizeuv

bool read_uleb128(std::string_view s, std::size_t &pos, std::uint32_t &value) noexcept {
    value = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (pos >= s.size()) return false;
        const auto byte = static_cast<unsigned char>(s[pos++]);
        value |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

void write_uleb128(std::string &out, std::uint32_t value) {
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

}  // namespace

std::string fixed_arity_source(std::string_view code) {
    std::string source = "return function()\n";
    source.append(code);
    source += "\nend";
    return source;
}

std::string_view lexed_file_text(std::string_view text) {
    if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
    if (text.starts_with('#')) {
        const std::size_t eol = text.find_first_of("\r\n");
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol);
    }
    return text;
}

bool mark_as_main_chunk(std::string &dump) {
    const std::string_view s = dump;
    if (s.size() < 5 || s[0] != '\x1b' || s[1] != 'L' || s[2] != 'J') return false;
    std::size_t pos = 4;
    std::uint32_t flags = 0;
    if (!read_uleb128(s, pos, flags) || (flags & kDumpFlagStrip) != 0) return false;
    std::uint32_t name_len = 0;
    if (!read_uleb128(s, pos, name_len) || name_len > s.size() - pos) return false;
    pos += name_len;
    std::string out(s.substr(0, pos));
    std::string proto;
    // Prototypes follow, each after its length, children first: the dumped function's
    // comes last, before a zero length. Each one's line info is kept relative to its
    // first line, so moving that moves all of its lines.
    for (bool last = false; !last;) {
        std::uint32_t len = 0;
        if (!read_uleb128(s, pos, len) || len == 0 || len > s.size() - pos) return false;
        const std::string_view body = s.substr(pos, len);
        pos += len;
        if (pos < s.size() && s[pos] == '\0') last = true;
        std::size_t at = kProtoFixedHeader;
        std::uint32_t field = 0;
        for (int i = 0; i < 4; ++i) {  // sizekgc, sizekn, sizebc, sizedbg
            if (!read_uleb128(body, at, field)) return false;
        }
        if (field == 0) return false;  // no debug info
        const std::size_t line_at = at;
        std::uint32_t firstline = 0;
        if (!read_uleb128(body, at, firstline) || (last ? firstline != 1 : firstline < 2)) return false;
        proto.assign(body.substr(0, line_at));
        write_uleb128(proto, firstline - 1);
        proto.append(body.substr(at));
        write_uleb128(out, static_cast<std::uint32_t>(proto.size()));
        out += proto;
    }
    if (pos + 1 != s.size()) return false;
    out += '\0';
    dump = std::move(out);
    return true;
}

}  // namespace nlf::core
