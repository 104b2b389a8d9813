#include "core/pure/lua_block_scanner.hpp"

namespace nlf::core {

std::size_t LuaBlockScanner::feed(std::string_view piece) {
    for (std::size_t i = 0; i < piece.size(); ++i) {
        if (step(piece[i])) return i;
        if (piece[i] == '\n') ++newlines_;
    }
    return npos;
}

bool LuaBlockScanner::step(char c) {
    switch (state_) {
    case State::code:
        switch (c) {
        case '{': ++depth_; break;
        case '}':
            if (depth_ == 0) return true;
            --depth_;
            break;
        case '"':
        case '\'':
            quote_ = c;
            state_ = State::string;
            break;
        case '-': state_ = State::dash; break;
        case '[':
            level_ = 0;
            bracket_is_comment_ = false;
            state_ = State::bracket_open;
            break;
        default: break;
        }
        return false;
    case State::dash:
        if (c == '-') {
            state_ = State::comment_start;
            return false;
        }
        state_ = State::code;
        return step(c);
    case State::comment_start:
        if (c == '[') {
            level_ = 0;
            bracket_is_comment_ = true;
            state_ = State::bracket_open;
            return false;
        }
        state_ = State::line_comment;
        return step(c);
    case State::bracket_open:
        if (c == '=') {
            ++level_;
        } else if (c == '[') {
            state_ = State::long_bracket;
        } else {
            state_ = bracket_is_comment_ ? State::line_comment : State::code;
            return step(c);
        }
        return false;
    case State::long_bracket:
        if (c == ']') {
            close_level_ = 0;
            state_ = State::long_close;
        }
        return false;
    case State::long_close:
        if (c == '=') {
            ++close_level_;
        } else if (c == ']' && close_level_ == level_) {
            state_ = State::code;
        } else if (c == ']') {
            close_level_ = 0;
        } else {
            state_ = State::long_bracket;
        }
        return false;
    case State::string:
        if (c == '\\') {
            state_ = State::string_escape;
        } else if (c == quote_ || c == '\n') {
            // A newline ends an unterminated string; Lua reports it when compiling.
            state_ = State::code;
        }
        return false;
    case State::string_escape:
        state_ = State::string;
        return false;
    case State::line_comment:
        if (c == '\n') state_ = State::code;
        return false;
    }
    return false;
}

}  // namespace nlf::core
