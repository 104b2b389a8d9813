#pragma once
#include <cstddef>
#include <string_view>

namespace nlf::core {

// Finds the '}' that closes a `*_by_lua_block {` in nginx.conf. nginx's tokenizer
// cannot read Lua, so the text is scanned as Lua: braces inside strings, comments and
// long brackets do not count. Text may arrive in pieces (nginx reads the file in
// buffers), hence the incremental interface.
class LuaBlockScanner {
public:
    static constexpr std::size_t npos = std::string_view::npos;

    // Scans the next piece; returns the offset of the closing '}' within it, or npos
    // when the block goes on past this piece.
    std::size_t feed(std::string_view piece);

    // Newlines seen so far, up to the closing brace when it was found.
    unsigned newlines() const { return newlines_; }

    // True while inside a string, comment or long bracket: an end of input here is an
    // unterminated construct rather than a missing '}'.
    bool inside_literal() const { return state_ != State::code; }

private:
    enum class State { code, dash, comment_start, bracket_open, long_bracket, long_close,
                       string, string_escape, line_comment };

    // Returns true when `c` is the closing brace.
    bool step(char c);

    State state_ = State::code;
    unsigned depth_ = 0;
    unsigned newlines_ = 0;
    char quote_ = 0;
    unsigned level_ = 0;        // number of '=' in the long bracket being read
    unsigned close_level_ = 0;  // '=' seen so far in a candidate closing bracket
    bool bracket_is_comment_ = false;
};

}  // namespace nlf::core
