// The scanner of `*_by_lua_block { ... }` bodies. On arbitrary text: nginx hands it the
// file in buffers of any size, so the answer (where the block ends, the newlines before
// it, whether the text stops inside a literal) must not depend on where the pieces are
// cut. On Lua text generated from the input, whose closing brace is known: it finds
// that brace.
#include "core/pure/lua_block_scanner.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using nlf::core::LuaBlockScanner;

namespace {

struct Result {
    std::size_t end;  // offset of the closing brace in the whole text, or npos
    unsigned newlines;
    bool inside_literal;

    bool operator==(const Result &) const = default;
};

// Feeds `text` in pieces of the sizes `cuts` gives, round robin (1..256 bytes).
Result scan(std::string_view text, std::string_view cuts) {
    LuaBlockScanner scanner;
    std::size_t at = 0;
    std::size_t turn = 0;
    while (at < text.size()) {
        const std::size_t piece =
            cuts.empty() ? text.size() : 1 + static_cast<unsigned char>(cuts[turn++ % cuts.size()]);
        const std::string_view part = text.substr(at, piece);
        const std::size_t found = scanner.feed(part);
        if (found != LuaBlockScanner::npos) {
            if (found >= part.size() || part[found] != '}') std::abort();
            return {at + found, scanner.newlines(), scanner.inside_literal()};
        }
        at += part.size();
    }
    return {LuaBlockScanner::npos, scanner.newlines(), scanner.inside_literal()};
}

// Lua whose braces in strings, comments and long brackets must not count, then the
// closing brace and text after it. Returns the offset of that brace.
std::size_t generate(std::string_view choices, std::string &lua) {
    static constexpr std::string_view tricky[] = {"}", "{", "]]", "]=]", "--", "'", "\"", "[[", "\n", "x"};
    unsigned depth = 0;
    std::size_t i = 0;
    auto next = [&] { return i < choices.size() ? static_cast<unsigned char>(choices[i++]) : 0u; };
    auto filler = [&](std::string_view avoid) {
        std::string text;
        for (unsigned n = next() % 4; n > 0; --n) {
            const std::string_view piece = tricky[next() % std::size(tricky)];
            if (piece.find_first_of(avoid) == std::string_view::npos) text += piece;
        }
        return text;
    };
    while (i < choices.size() / 2) {
        switch (next() % 9) {
        case 0: lua += '{'; ++depth; break;
        case 1:
            if (depth > 0) {
                lua += '}';
                --depth;
            }
            break;
        case 2: lua += '"' + filler("\"\n\\") + '"'; break;
        case 3: lua += R"('\\' '\'}' "\"{")"; break;
        case 4:
        case 5: {
            // A long string or comment of one level, holding closers of other levels.
            const unsigned level = next() % 3;
            const std::string eq(level, '=');
            std::string body;
            for (unsigned n = next() % 3; n > 0; --n) {
                const unsigned other = (level + 1 + next() % 3) % 4;
                body += "]" + std::string(other, '=') + "] } {";
            }
            lua += (next() % 2 ? "--[" : "[") + eq + "[" + body + "]" + eq + "]";
            break;
        }
        case 6: lua += "-- } { [[ \"\n"; break;
        case 7: lua += " a - -b t[1] t[ [[}]] ] x-1\n"; break;
        default: lua += ' '; break;
        }
    }
    lua.append(depth, '}');
    const std::size_t end = lua.size();
    lua += '}';
    lua.append(choices.substr(i));
    return end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    // The first byte tells how many of the next bytes are piece sizes.
    if (size < 1) return 0;
    const std::size_t n_cuts = std::min<std::size_t>(data[0] % 8, size - 1);
    const std::string_view cuts(reinterpret_cast<const char *>(data + 1), n_cuts);
    const std::string_view text(reinterpret_cast<const char *>(data + 1 + n_cuts), size - 1 - n_cuts);

    const Result whole = scan(text, {});
    if (scan(text, cuts) != whole) std::abort();
    if (scan(text, std::string_view("\0", 1)) != whole) std::abort();  // one byte at a time
    if (whole.end != LuaBlockScanner::npos) {
        // The newlines are those before the brace, and nothing after it matters.
        const auto before = text.substr(0, whole.end);
        if (whole.newlines != static_cast<unsigned>(std::count(before.begin(), before.end(), '\n'))) std::abort();
        if (whole.inside_literal) std::abort();
        if (scan(text.substr(0, whole.end + 1), cuts) != whole) std::abort();
    } else if (whole.newlines != static_cast<unsigned>(std::count(text.begin(), text.end(), '\n'))) {
        std::abort();
    }

    std::string lua;
    const std::size_t end = generate(text, lua);
    const Result generated = scan(lua, cuts);
    const auto before = std::string_view(lua).substr(0, end);
    if (generated.end != end || generated.newlines != std::count(before.begin(), before.end(), '\n')) std::abort();
    return 0;
}
