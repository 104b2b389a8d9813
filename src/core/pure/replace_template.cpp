#include "core/pure/replace_template.hpp"

#include "core/pure/copy_bytes.hpp"

namespace nlf::core {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_name_char(char c) noexcept {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// Group numbers saturate: a number this large names no group, so it reads as empty.
constexpr unsigned max_group = 1u << 20;

}  // namespace

std::optional<ReplaceTemplate> ReplaceTemplate::parse(std::string_view source, std::string &error) {
    ReplaceTemplate t;
    t.source_.assign(source);
    const std::string_view s = t.source_;
    const std::size_t n = s.size();
    auto invalid = [&] {
        error = "lua script: invalid capturing variable name found in \"" + std::string(s) + "\"";
        return std::nullopt;
    };
    auto add_text = [&](std::size_t offset, std::size_t length) {
        if (!t.pieces_.empty() && t.pieces_.back().kind == Piece::Kind::text &&
            t.pieces_.back().offset + t.pieces_.back().length == offset) {
            t.pieces_.back().length += length;
        } else {
            t.pieces_.push_back({Piece::Kind::text, offset, length, 0});
        }
    };

    std::size_t i = 0;
    while (i < n) {
        if (s[i] != '$') {
            std::size_t end = s.find('$', i);
            if (end == std::string_view::npos) end = n;
            add_text(i, end - i);
            i = end;
            continue;
        }
        if (++i == n) return invalid();
        if (s[i] == '$') {
            // "$$": the text of the template is not contiguous here, hence a new piece.
            t.pieces_.push_back({Piece::Kind::text, i, 1, 0});
            ++i;
            continue;
        }
        bool bracket = false;
        if (s[i] == '{') {
            bracket = true;
            if (++i == n) return invalid();
        }
        const bool numbered = is_digit(s[i]);
        const std::size_t name_start = i;
        std::size_t name_length = 0;
        unsigned group = 0;
        for (; i < n; ++i, ++name_length) {
            const char c = s[i];
            if (c == '}' && bracket) {
                ++i;
                bracket = false;
                break;
            }
            if (numbered ? !is_digit(c) : !is_name_char(c)) break;
            if (numbered) group = group >= max_group ? max_group : group * 10 + static_cast<unsigned>(c - '0');
        }
        if (bracket) {
            error = "the closing bracket in \"" + std::string(s.substr(name_start, name_length)) +
                    "\" variable is missing";
            return std::nullopt;
        }
        if (name_length == 0) return invalid();
        ++t.captures_;
        if (numbered) {
            t.pieces_.push_back({Piece::Kind::group, 0, 0, group});
        } else {
            t.pieces_.push_back({Piece::Kind::name, name_start, name_length, 0});
        }
    }
    if (t.captures_ == 0) {
        for (const Piece &p : t.pieces_) t.literal_.append(s.substr(p.offset, p.length));
    }
    return t;
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
    std::size_t total = 0;
    for (const Piece &p : pieces_) {
        total += p.kind == Piece::Kind::text ? p.length : group_span(ovector, count, p.group).second;
    }
    return total;
}

template <typename Offset>
unsigned char *ReplaceTemplate::write(const unsigned char *subject, const Offset *ovector, int count,
                                      unsigned char *dst) const noexcept {
    const auto *text = reinterpret_cast<const unsigned char *>(source_.data());
    for (const Piece &p : pieces_) {
        if (p.kind == Piece::Kind::text) {
            copy_bytes(dst, text + p.offset, p.length);
            dst += p.length;
        } else {
            auto [offset, length] = group_span(ovector, count, p.group);
            copy_bytes(dst, subject + offset, length);
            dst += length;
        }
    }
    return dst;
}

template std::size_t ReplaceTemplate::length(const int *, int) const noexcept;
template std::size_t ReplaceTemplate::length(const std::size_t *, int) const noexcept;
template unsigned char *ReplaceTemplate::write(const unsigned char *, const int *, int,
                                               unsigned char *) const noexcept;
template unsigned char *ReplaceTemplate::write(const unsigned char *, const std::size_t *, int,
                                               unsigned char *) const noexcept;

}  // namespace nlf::core
