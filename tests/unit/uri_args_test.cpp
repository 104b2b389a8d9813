#include <gtest/gtest.h>
#include <cstdio>

#include <string>
#include <utility>
#include <vector>

#include "core/pure/uri_args.hpp"

using nlf::core::FfiPair;

namespace {

struct Parsed {
    std::vector<std::pair<std::string, std::string>> pairs;  // "<true>" for a bare key
    bool truncated = false;
};

Parsed parse(std::string text, std::size_t max = 0) {
    std::vector<FfiPair> out(nlf::core::arg_segments(text));
    Parsed p;
    std::size_t n = nlf::core::parse_args(reinterpret_cast<unsigned char *>(text.data()), text.size(),
                                          out.data(), out.size(), max, p.truncated);
    for (std::size_t i = 0; i < n; ++i) {
        std::string key(reinterpret_cast<const char *>(out[i].key.data), out[i].key.len);
        std::string value = out[i].value.len < 0
            ? "<true>"
            : std::string(reinterpret_cast<const char *>(out[i].value.data), out[i].value.len);
        p.pairs.emplace_back(key, value);
    }
    return p;
}

std::string escape(std::string_view s) {
    std::string out(3 * s.size(), '\0');
    out.resize(nlf::core::escape_uri_component(s, reinterpret_cast<unsigned char *>(out.data())));
    return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST(UriArgs, SegmentsCountAmpersands) {
    EXPECT_EQ(nlf::core::arg_segments(""), 0u);
    EXPECT_EQ(nlf::core::arg_segments("a"), 1u);
    EXPECT_EQ(nlf::core::arg_segments("a&b&&"), 4u);
}

TEST(UriArgs, KeysValuesAndBareKeys) {
    EXPECT_EQ(parse("a=1&b&c=").pairs, (Pairs{{"a", "1"}, {"b", "<true>"}, {"c", ""}}));
}

TEST(UriArgs, EmptyKeysAreSkipped) {
    EXPECT_EQ(parse("=x&&a=1&=&").pairs, (Pairs{{"a", "1"}}));
}

TEST(UriArgs, RepeatedKeysStayInOrder) {
    EXPECT_EQ(parse("a=1&a=2&a").pairs, (Pairs{{"a", "1"}, {"a", "2"}, {"a", "<true>"}}));
}

TEST(UriArgs, DecodesPercentAndPlus) {
    EXPECT_EQ(parse("a%20b=1%61+2&%3d=%26").pairs, (Pairs{{"a b", "1a 2"}, {"=", "&"}}));
}

TEST(UriArgs, MalformedEscapesStay) {
    EXPECT_EQ(parse("a=%&b=%4&c=%zz&d=100%").pairs,
              (Pairs{{"a", "%"}, {"b", "%4"}, {"c", "%zz"}, {"d", "100%"}}));
}

TEST(UriArgs, SecondEqualsSignBelongsToTheValue) {
    EXPECT_EQ(parse("a=b=c").pairs, (Pairs{{"a", "b=c"}}));
}

TEST(UriArgs, LimitAndTruncation) {
    Parsed p = parse("a=1&b=2&c=3", 2);
    EXPECT_EQ(p.pairs, (Pairs{{"a", "1"}, {"b", "2"}}));
    EXPECT_TRUE(p.truncated);
    p = parse("a=1&b=2", 2);
    EXPECT_FALSE(p.truncated);
    p = parse("a=1&b=2&&=x&", 2);  // only empty keys follow
    EXPECT_FALSE(p.truncated);
    p = parse("a=1&b=2&c=3", 0);
    EXPECT_EQ(p.pairs.size(), 3u);
    EXPECT_FALSE(p.truncated);
}

std::string escape_controls(std::string_view s) {
    std::string out(s.size() + 2 * nlf::core::control_bytes(s), '\0');
    EXPECT_EQ(nlf::core::escape_controls(s, reinterpret_cast<unsigned char *>(out.data())), out.size());
    return out;
}

TEST(UriArgs, EscapesControlsSpaceAndDelOnly) {
    for (int c = 0; c < 256; ++c) {
        const std::string one(1, static_cast<char>(c));
        const bool escaped = c <= ' ' || c == 0x7f;
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        EXPECT_EQ(escape_controls(one), escaped ? std::string(hex) : one) << c;
    }
    EXPECT_EQ(escape_controls(std::string_view("a\rb\nc\0d e%#&\xe4", 13)), "a%0Db%0Ac%00d%20e%#&\xe4");
}

TEST(UriArgs, EscapesAllButUnreservedAndSubDelimsOpenRestyKeeps) {
    EXPECT_EQ(escape("aZ09-._~!'()*"), "aZ09-._~!'()*");
    EXPECT_EQ(escape("\"#$,;@[]^`{|}\x7f"), "%22%23%24%2C%3B%40%5B%5D%5E%60%7B%7C%7D%7F");
    EXPECT_EQ(escape("b r=&+/?%"), "b%20r%3D%26%2B%2F%3F%25");
    EXPECT_EQ(escape("\xe4\xbd\xa0"), "%E4%BD%A0");
}
