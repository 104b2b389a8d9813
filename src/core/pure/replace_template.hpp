#pragma once
#include "core/pure/copy_bytes.hpp"

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
    bool is_literal() const noexcept { return refs_.empty(); }
    // The replacement of a literal template ("$$" already turned into "$").
    std::string_view literal_text() const noexcept { return {text_.data(), text_length_}; }

    // The replacement for one match. `ovector` holds `count` (start, end) offset pairs
    // into `subject`: ints, -1 for a group that did not take part (as the ABI has them),
    // or PCRE2's own size_t pairs, all ones then. Groups from `count` on are empty.
    template <typename Offset>
    std::size_t length(const Offset *ovector, int count) const noexcept;
    // A bound on length() for any match in a subject of `subject_len` bytes (every
    // group at most the whole subject): cheaper to know than length() itself.
    std::size_t length_bound(std::size_t subject_len) const noexcept {
        return text_length_ + refs_.size() * subject_len;
    }
    // Writes length() bytes to dst; returns the end.
    template <typename Offset>
    unsigned char *write(const unsigned char *subject, const Offset *ovector, int count,
                         unsigned char *dst) const noexcept;
    // write() into an output with copy_slack bytes of room past length(), which it may
    // fill with garbage: faster, as the template's own text moves in blocks (copy_padded).
    template <typename Offset>
    unsigned char *write_with_slack(const unsigned char *subject, const Offset *ovector, int count,
                                    unsigned char *dst) const noexcept;

private:
    // A capture reference and the text before it (since the previous one). The text after
    // the last reference ends text_.
    struct Ref {
        std::size_t text_before;
        unsigned group;
        // A named reference until resolve_names(): the name in source_.
        std::size_t name_offset = 0;
        std::size_t name_length = 0;
    };

    std::string source_;
    // The template without its references, "$$" turned into "$": text_length_ bytes,
    // then copy_slack zero bytes that copy_padded() may read.
    std::string text_;
    std::size_t text_length_ = 0;
    std::vector<Ref> refs_;

    // Offset and length of a group's text in the subject; length 0 when it is empty.
    template <typename Offset>
    static std::pair<std::size_t, std::size_t> group_span(const Offset *ovector, int count,
                                                          unsigned group) noexcept;

    // write()'s walk over the pieces: put_text(dst, src, n) copies a piece of the
    // template's text and returns its end.
    template <typename Offset, typename PutText>
    unsigned char *write_pieces(const unsigned char *subject, const Offset *ovector, int count,
                                unsigned char *dst, PutText &&put_text) const noexcept;
};

template <typename GroupOf>
bool ReplaceTemplate::resolve_names(GroupOf &&group_of, std::string &error) {
    for (Ref &r : refs_) {
        if (r.name_length == 0) continue;
        std::string_view name = std::string_view(source_).substr(r.name_offset, r.name_length);
        int group = group_of(name);
        if (group < 0) {
            error = "unknown named capturing variable \"" + std::string(name) + "\"";
            return false;
        }
        r.group = static_cast<unsigned>(group);
        r.name_length = 0;
    }
    return true;
}

template <typename Offset>
std::pair<std::size_t, std::size_t> ReplaceTemplate::group_span(const Offset *ovector, int count,
                                                                unsigned group) noexcept {
    if (group >= static_cast<unsigned>(count)) return {0, 0};
    // An unset offset (-1, or all ones) converts to the largest size_t: its span is empty.
    const auto from = static_cast<std::size_t>(ovector[2 * group]);
    const auto to = static_cast<std::size_t>(ovector[2 * group + 1]);
    if (to <= from) return {0, 0};
    return {from, to - from};
}

template <typename Offset>
std::size_t ReplaceTemplate::length(const Offset *ovector, int count) const noexcept {
    std::size_t total = text_length_;
    for (const Ref &r : refs_) total += group_span(ovector, count, r.group).second;
    return total;
}

template <typename Offset, typename PutText>
unsigned char *ReplaceTemplate::write_pieces(const unsigned char *subject, const Offset *ovector, int count,
                                             unsigned char *dst, PutText &&put_text) const noexcept {
    const auto *text = reinterpret_cast<const unsigned char *>(text_.data());
    const auto *text_end = text + text_length_;
    for (const Ref &r : refs_) {
        dst = put_text(dst, text, r.text_before);
        text += r.text_before;
        auto [offset, length] = group_span(ovector, count, r.group);
        copy_bytes(dst, subject + offset, length);
        dst += length;
    }
    return put_text(dst, text, static_cast<std::size_t>(text_end - text));
}

template <typename Offset>
unsigned char *ReplaceTemplate::write(const unsigned char *subject, const Offset *ovector, int count,
                                      unsigned char *dst) const noexcept {
    return write_pieces(subject, ovector, count, dst, [](unsigned char *to, const unsigned char *from, std::size_t n) {
        copy_bytes(to, from, n);
        return to + n;
    });
}

template <typename Offset>
unsigned char *ReplaceTemplate::write_with_slack(const unsigned char *subject, const Offset *ovector, int count,
                                                 unsigned char *dst) const noexcept {
    return write_pieces(subject, ovector, count, dst, copy_padded);
}

}  // namespace nlf::core
