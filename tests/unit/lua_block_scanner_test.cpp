#include <gtest/gtest.h>

#include <string>

#include "core/pure/lua_block_scanner.hpp"

using nlf::core::LuaBlockScanner;

namespace {

// Offset of the closing brace when the whole text arrives at once.
std::size_t close_of(std::string_view text) {
    LuaBlockScanner scanner;
    return scanner.feed(text);
}

}  // namespace

TEST(LuaBlockScanner, FindsCloseAfterPlainCode) {
    EXPECT_EQ(close_of(" ngx.say('x') }"), 14u);
}

TEST(LuaBlockScanner, NestedTableBracesAreBalanced) {
    std::string_view text = " local t = { a = { 1 } } }  after";
    EXPECT_EQ(close_of(text), text.find("}  after"));
}

TEST(LuaBlockScanner, BracesInStringsDoNotCount) {
    std::string_view text = R"( ngx.say("}", '}', "\"}") } tail)";
    EXPECT_EQ(close_of(text), text.find("} tail"));
}

TEST(LuaBlockScanner, BracesInCommentsDoNotCount) {
    std::string_view text = " -- a } in a comment\n x = 1 --[[ } ]] --[==[ ]] } ]==] } tail";
    EXPECT_EQ(close_of(text), text.find("} tail"));
}

TEST(LuaBlockScanner, LongStringsWithLevels) {
    std::string_view text = " s = [[ } ]] t = [=[ ]] } ]=] u = a[b[1]] } tail";
    EXPECT_EQ(close_of(text), text.find("} tail"));
}

TEST(LuaBlockScanner, MinusIsNotAComment) {
    std::string_view text = " x = 1 - 2 - -3 } tail";
    EXPECT_EQ(close_of(text), text.find("} tail"));
}

TEST(LuaBlockScanner, EscapedNewlineInsideString) {
    std::string_view text = " s = \"a\\\n}\" } tail";
    EXPECT_EQ(close_of(text), text.find("} tail"));
}

TEST(LuaBlockScanner, CountsNewlinesUpToTheClose) {
    LuaBlockScanner scanner;
    EXPECT_EQ(scanner.feed("\n a = 1\n}\n\n"), 8u);
    EXPECT_EQ(scanner.newlines(), 2u);
}

TEST(LuaBlockScanner, PiecesGiveTheSameAnswerAsWholeText) {
    std::string text = " --[==[ } ]==] local s = \"}\" .. [[}]] -- }\n local t = {{}} }";
    const std::size_t expected = close_of(text);
    ASSERT_EQ(expected, text.size() - 1);
    for (std::size_t split = 1; split < text.size(); ++split) {
        LuaBlockScanner scanner;
        std::string_view whole(text);
        std::size_t first = scanner.feed(whole.substr(0, split));
        ASSERT_EQ(first, LuaBlockScanner::npos) << "split at " << split;
        std::size_t second = scanner.feed(whole.substr(split));
        ASSERT_EQ(second + split, expected) << "split at " << split;
    }
}

TEST(LuaBlockScanner, UnterminatedBlockIsReported) {
    LuaBlockScanner scanner;
    EXPECT_EQ(scanner.feed(" x = { 1 "), LuaBlockScanner::npos);
    EXPECT_FALSE(scanner.inside_literal());
    LuaBlockScanner in_string;
    EXPECT_EQ(in_string.feed(" x = [[ } "), LuaBlockScanner::npos);
    EXPECT_TRUE(in_string.inside_literal());
}
