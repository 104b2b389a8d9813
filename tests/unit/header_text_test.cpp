#include <gtest/gtest.h>

#include <string>

#include "core/pure/header_text.hpp"

using nlf::core::HeaderPart;

namespace {

std::string escape(std::string_view s, HeaderPart part) {
    std::string out(s.size() + 2 * nlf::core::header_escapes(s, part), '\0');
    auto *begin = reinterpret_cast<unsigned char *>(out.data());
    EXPECT_EQ(nlf::core::escape_header(begin, s, part), begin + out.size());
    return out;
}

// A string literal with its embedded NULs.
template <std::size_t N>
std::string bytes(const char (&s)[N]) {
    return std::string(s, N - 1);
}

std::string restore(std::string raw) {
    raw.resize(nlf::core::restore_raw_header(reinterpret_cast<unsigned char *>(raw.data()), raw.size()));
    return raw;
}

}  // namespace

TEST(HeaderText, ValuesKeepPrintableTextAndTab) {
    EXPECT_EQ(escape("text/html; q=0.9, \"x\"\t\xc3\xa9", HeaderPart::value),
              "text/html; q=0.9, \"x\"\t\xc3\xa9");
}

TEST(HeaderText, ValuesEscapeCrLfAndControls) {
    EXPECT_EQ(escape("a\r\nSet-Cookie: x", HeaderPart::value), "a%0D%0ASet-Cookie: x");
    EXPECT_EQ(escape(std::string_view("\0\x7f", 2), HeaderPart::value), "%00%7F");
}

TEST(HeaderText, NamesEscapeSeparatorsSpaceAndNonAscii) {
    EXPECT_EQ(escape("X-Foo_Bar.1", HeaderPart::name), "X-Foo_Bar.1");
    EXPECT_EQ(escape("X: a\r\n", HeaderPart::name), "X%3A%20a%0D%0A");
    EXPECT_EQ(escape("\xc3\xa9", HeaderPart::name), "%C3%A9");
}

TEST(HeaderText, RestoresWhatNginxOverwrote) {
    std::string in = bytes("GET /t HTTP/1.1\r\nHost\0 localhost\0\nFoo\0bar\0\n\r\nbody");
    EXPECT_EQ(restore(in), "GET /t HTTP/1.1\r\nHost: localhost\r\nFoo:bar\r\n\r\n");
}

TEST(HeaderText, RestoresLfEndingsAndTrailingSpace) {
    std::string in = bytes("GET / HTTP/1.0\nA\0 1\0B\0 2\0 \r\n\n");
    EXPECT_EQ(restore(in), "GET / HTTP/1.0\nA: 1\nB: 2  \r\n\n");
}

TEST(HeaderText, LastLfOnlyLineBeforeTheEmptyLine) {
    std::string in = bytes("POST / HTTP/1.0\nA\0 1\0\nbody");
    EXPECT_EQ(restore(in), "POST / HTTP/1.0\nA: 1\n\n");
}

TEST(HeaderText, EmptyValue) {
    std::string in = bytes("GET / HTTP/1.1\r\nA\0\0\n\r\n");
    EXPECT_EQ(restore(in), "GET / HTTP/1.1\r\nA:\r\n\r\n");
}

TEST(HeaderText, HostLength) {
    EXPECT_EQ(nlf::core::host_length("example.com"), 11);
    EXPECT_EQ(nlf::core::host_length("example.com.:8080"), 11);
    EXPECT_EQ(nlf::core::host_length("[::1]:80"), 5);
    EXPECT_EQ(nlf::core::host_length("a..b"), -1);
    EXPECT_EQ(nlf::core::host_length("a/b"), -1);
    EXPECT_EQ(nlf::core::host_length(":80"), -1);
    EXPECT_EQ(nlf::core::host_length(""), -1);
}
