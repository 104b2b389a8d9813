#include "core/pure/replace_template.hpp"

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

    std::size_t text_start = 0;  // where in text_ the text before the next reference starts
    std::size_t i = 0;
    while (i < n) {
        if (s[i] != '$') {
            std::size_t end = s.find('$', i);
            if (end == std::string_view::npos) end = n;
            t.text_.append(s.substr(i, end - i));
            i = end;
            continue;
        }
        if (++i == n) return invalid();
        if (s[i] == '$') {
            t.text_.push_back('$');
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
        Ref ref{t.text_.size() - text_start, group};
        if (!numbered) {
            ref.name_offset = name_start;
            ref.name_length = name_length;
        }
        t.refs_.push_back(ref);
        text_start = t.text_.size();
    }
    t.text_length_ = t.text_.size();
    t.text_.append(copy_slack, '\0');
    return t;
}

}  // namespace nlf::core
