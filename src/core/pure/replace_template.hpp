#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nlf::core {

// The replacement template of ngx.re.sub / ngx.re.gsub: "$0" is the whole match,
// "$1", "${1}" numbered captures, "$name", "${name}" named ones, "$$" a dollar sign,
// everything else literal text.
class ReplaceTemplate {
public:
    // Parses `source` (copied). On a syntax error returns nullopt with `error` set to
    // the message OpenResty logs for it.
    static std::optional<ReplaceTemplate> parse(std::string_view source, std::string &error);

    // Turns named captures into group numbers with `group_of(name)` (negative: no such
    // group). Returns false with `error` set when a name is unknown.
    template <typename GroupOf>
    bool resolve_names(GroupOf &&group_of, std::string &error);

    // True when the template has no capture at all: its text is the replacement.
    bool is_literal() const noexcept { return captures_ == 0; }
    // The replacement of a literal template ("$$" already turned into "$").
    std::string_view literal_text() const noexcept { return literal_; }

    // The replacement for one match. `ovector` holds `count` (start, end) offset pairs
    // into `subject`: ints, -1 for a group that did not take part (as the ABI has them),
    // or PCRE2's own size_t pairs, all ones then. Groups from `count` on are empty.
    template <typename Offset>
    std::size_t length(const Offset *ovector, int count) const noexcept;
    // Writes length() bytes to dst; returns the end.
    template <typename Offset>
    unsigned char *write(const unsigned char *subject, const Offset *ovector, int count,
                         unsigned char *dst) const noexcept;

private:
    struct Piece {
        enum class Kind : unsigned char { text, group, name } kind;
        std::size_t offset;  // text / name: where in source_
        std::size_t length;
        unsigned group;
    };

    std::string source_;
    std::string literal_;
    std::vector<Piece> pieces_;
    unsigned captures_ = 0;

    // Offset and length of a group's text in the subject; length 0 when it is empty.
    template <typename Offset>
    static std::pair<std::size_t, std::size_t> group_span(const Offset *ovector, int count,
                                                          unsigned group) noexcept;
};

template <typename GroupOf>
bool ReplaceTemplate::resolve_names(GroupOf &&group_of, std::string &error) {
    for (Piece &p : pieces_) {
        if (p.kind != Piece::Kind::name) continue;
        std::string_view name = std::string_view(source_).substr(p.offset, p.length);
        int group = group_of(name);
        if (group < 0) {
            error = "unknown named capturing variable \"" + std::string(name) + "\"";
            return false;
        }
        p.kind = Piece::Kind::group;
        p.group = static_cast<unsigned>(group);
    }
    return true;
}

}  // namespace nlf::core
