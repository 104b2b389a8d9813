#include <gtest/gtest.h>

#include "core/pure/replace_template.hpp"

#include <map>
#include <string>

using nlf::core::ReplaceTemplate;

namespace {

// Applies a template to a match described by group texts within `subject`, with
// write() and with write_with_slack(), which must agree.
std::string apply(const ReplaceTemplate &t, std::string_view subject, const std::vector<int> &ovector) {
    const int count = static_cast<int>(ovector.size() / 2);
    const std::size_t n = t.length(ovector.data(), count);
    EXPECT_LE(n, t.length_bound(subject.size()));
    const auto *subj = reinterpret_cast<const unsigned char *>(subject.data());
    std::string out(n, '\0');
    auto *end = t.write(subj, ovector.data(), count, reinterpret_cast<unsigned char *>(out.data()));
    EXPECT_EQ(static_cast<std::size_t>(end - reinterpret_cast<unsigned char *>(out.data())), n);
    std::string slack_out(n + nlf::core::copy_slack, '\0');
    end = t.write_with_slack(subj, ovector.data(), count, reinterpret_cast<unsigned char *>(slack_out.data()));
    EXPECT_EQ(static_cast<std::size_t>(end - reinterpret_cast<unsigned char *>(slack_out.data())), n);
    EXPECT_EQ(slack_out.substr(0, n), out);
    return out;
}

std::string error_of(std::string_view tpl) {
    std::string error;
    EXPECT_FALSE(ReplaceTemplate::parse(tpl, error).has_value()) << tpl;
    return error;
}

ReplaceTemplate parse(std::string_view tpl) {
    std::string error;
    auto t = ReplaceTemplate::parse(tpl, error);
    EXPECT_TRUE(t.has_value()) << tpl << ": " << error;
    return t ? std::move(*t) : *ReplaceTemplate::parse("", error);
}

// "b c" matched by "(b) (c)" in "a b c d".
const std::string subject = "a b c d";
const std::vector<int> match = {2, 5, 2, 3, 4, 5};

}  // namespace

TEST(ReplaceTemplate, NumberedCaptures) {
    EXPECT_EQ(apply(parse("[$0] [$1] [${2}] [$3] [${134}]"), subject, match), "[b c] [b] [c] [] []");
    EXPECT_EQ(apply(parse("$2$1"), subject, match), "cb");
    EXPECT_EQ(apply(parse("$1a"), subject, match), "ba");
    EXPECT_EQ(apply(parse("$01"), subject, match), "b");
    EXPECT_EQ(apply(parse("$10"), subject, match), "");
    EXPECT_EQ(apply(parse("$99999999999999999999"), subject, match), "");
}

TEST(ReplaceTemplate, UnsetGroupsAreEmpty) {
    EXPECT_EQ(apply(parse("<$1|$2>"), subject, {2, 3, -1, -1, 2, 3}), "<|b>");
}

TEST(ReplaceTemplate, LiteralText) {
    ReplaceTemplate t = parse("ho$$wdy");
    EXPECT_TRUE(t.is_literal());
    EXPECT_EQ(t.literal_text(), "ho$wdy");
    EXPECT_EQ(apply(t, subject, match), "ho$wdy");
    EXPECT_TRUE(parse("").is_literal());
    EXPECT_EQ(parse("").literal_text(), "");
    EXPECT_EQ(parse("$$$$").literal_text(), "$$");
    EXPECT_FALSE(parse("$0").is_literal());
}

TEST(ReplaceTemplate, NamedCaptures) {
    ReplaceTemplate t = parse("${first}-$second_1-$first");
    std::map<std::string, int> groups = {{"first", 1}, {"second_1", 2}};
    std::string error;
    ASSERT_TRUE(t.resolve_names([&](std::string_view n) {
        auto it = groups.find(std::string(n));
        return it == groups.end() ? -1 : it->second;
    }, error));
    EXPECT_EQ(apply(t, subject, match), "b-c-b");

    ReplaceTemplate unknown = parse("$nope");
    EXPECT_FALSE(unknown.resolve_names([](std::string_view) { return -1; }, error));
    EXPECT_EQ(error, "unknown named capturing variable \"nope\"");
}

TEST(ReplaceTemplate, SyntaxErrorsAsOpenRestyLogsThem) {
    EXPECT_EQ(error_of("[$0] [$1] [${2}] [$3] [$"),
              "lua script: invalid capturing variable name found in \"[$0] [$1] [${2}] [$3] [$\"");
    EXPECT_EQ(error_of("[${"), "lua script: invalid capturing variable name found in \"[${\"");
    EXPECT_EQ(error_of("[${134"), "the closing bracket in \"134\" variable is missing");
    EXPECT_EQ(error_of("${1a}"), "the closing bracket in \"1\" variable is missing");
    EXPECT_EQ(error_of("${}"), "lua script: invalid capturing variable name found in \"${}\"");
    EXPECT_EQ(error_of("$-"), "lua script: invalid capturing variable name found in \"$-\"");
}

TEST(ReplaceTemplate, LongTemplates) {
    std::string tpl;
    std::string expected;
    for (int i = 0; i < 10000; ++i) {
        tpl += "x$1";
        expected += "xb";
    }
    EXPECT_EQ(apply(parse(tpl), subject, match), expected);
}
