#include <gtest/gtest.h>

#include "core/pure/http_time.hpp"

#include <ctime>
#include <optional>
#include <string>

namespace ht = nlf::core::http_time;

namespace {

std::string http(std::int64_t t) {
    char buf[ht::max_length];
    return std::string(buf, ht::format_http(t, buf));
}

std::string cookie(std::int64_t t) {
    char buf[ht::max_length];
    return std::string(buf, ht::format_cookie(t, buf));
}

std::string date(std::int64_t t) {
    char buf[ht::max_length];
    return std::string(buf, ht::format_date(t, buf));
}

std::optional<std::int64_t> parse(std::string_view s) {
    std::int64_t t;
    if (!ht::parse_http(s, t)) return std::nullopt;
    return t;
}

std::string date_time(std::int64_t t) {
    char buf[ht::max_length];
    return std::string(buf, ht::format_date_time(t, buf));
}

}  // namespace

TEST(HttpTime, Formats) {
    EXPECT_EQ(http(1290079655), "Thu, 18 Nov 2010 11:27:35 GMT");
    EXPECT_EQ(http(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(cookie(1290079655), "Thu, 18-Nov-10 11:27:35 GMT");
    EXPECT_EQ(cookie(2145916555), "Thu, 31-Dec-37 23:55:55 GMT");
    EXPECT_EQ(cookie(2177452800), "Sat, 01-Jan-2039 00:00:00 GMT");
    EXPECT_EQ(date(1290079655), "2010-11-18");
    EXPECT_EQ(date_time(1290079655), "2010-11-18 11:27:35");
}

TEST(HttpTime, AgreesWithGmtimeOverManyYears) {
    for (std::int64_t t = -5000000000; t < 10000000000; t += 86399 * 37 + 12345) {
        time_t tt = static_cast<time_t>(t);
        struct tm tm;
        ASSERT_NE(gmtime_r(&tt, &tm), nullptr);
        char expected[64];
        strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        ht::CivilTime c = ht::civil_from_unix(t);
        ASSERT_EQ(c.year, tm.tm_year + 1900) << t;
        ASSERT_EQ(c.weekday, tm.tm_wday) << t;
        if (c.year >= 1000 && c.year <= 9999) {
            ASSERT_EQ(http(t), expected) << t;
        }
    }
}

TEST(HttpTime, ExtremeTimesStayInTheBuffer) {
    for (std::int64_t t : {INT64_MIN, INT64_MIN + 1, INT64_MAX, std::int64_t{-1}, std::int64_t{253402300800}}) {
        EXPECT_LE(http(t).size(), ht::max_length);
        EXPECT_LE(cookie(t).size(), ht::max_length);
        EXPECT_LE(date_time(t).size(), ht::max_length);
    }
    EXPECT_EQ(http(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    EXPECT_EQ(http(253402300800), "Sat, 01 Jan 10000 00:00:00 GMT");
}

TEST(ParseHttpTime, ThreeFormats) {
    EXPECT_EQ(parse("Thu, 18 Nov 2010 11:27:35 GMT"), 1290079655);
    EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse("Sun Nov  6 08:49:37 1994"), 784111777);
    EXPECT_EQ(parse("Sun Nov 16 08:49:37 1994"), 784111777 + 10 * 86400);
    EXPECT_EQ(parse("Thu, 01-Jan-70 00:00:00 GMT"), 0);
    EXPECT_EQ(parse("Tue, 01-Jan-69 00:00:00 GMT"), 3124224000);  // 2069
}

TEST(ParseHttpTime, RoundTrips) {
    for (std::int64_t t = 0; t < 4102444800; t += 7777777) {
        EXPECT_EQ(parse(http(t)), t);
        if (t < 2145916800) {
            EXPECT_EQ(parse(cookie(t)), t);
        }
    }
}

TEST(ParseHttpTime, LeapDays) {
    EXPECT_EQ(parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
    EXPECT_EQ(parse("Thu, 29 Feb 1900 00:00:00 GMT"), std::nullopt);
    EXPECT_EQ(parse("Sun, 29 Feb 2015 00:00:00 GMT"), std::nullopt);
    EXPECT_EQ(parse("Mon, 31 Apr 2015 00:00:00 GMT"), std::nullopt);
}

TEST(ParseHttpTime, MalformedIsRefused) {
    for (const char *bad : {"", "Thu", "Thu,", "garbage", "Thu, 18 Nov 2010 11:27:3",  // too short
                            "Thu, 18 Nov 2010 24:00:00 GMT", "Thu, 18 Nov 2010 11:60:00 GMT",
                            "Thu, 18 Nov 2010 11:27:60 GMT", "Thu, 1x Nov 2010 11:27:35 GMT",
                            "Thu, 18 Xyz 2010 11:27:35 GMT", "Thu, 18 Nov 20a0 11:27:35 GMT",
                            "Thu, 18-Nov 2010 11:27:35 GMT", "Thu, 18 Nov 2010 11-27-35 GMT",
                            "Thu, 32 Jan 2010 11:27:35 GMT", "Thu 18 Nov 2010 11:27:35 GMT",
                            "Sun Nov  x 08:49:37 1994", "Sun Nov  6 08:49:37 19x4"}) {
        EXPECT_EQ(parse(bad), std::nullopt) << bad;
    }
}

TEST(ParseHttpTime, AsLenientAsNginx) {
    // nginx checks neither the week day nor the zone, and reads months by few letters.
    EXPECT_EQ(parse("Xyz, 18 Nov 2010 11:27:35 UTC"), 1290079655);
    EXPECT_EQ(parse("Thu, 18 Nxx 2010 11:27:35 GMT"), 1290079655);
    EXPECT_EQ(parse(",  18 Nov 2010 11:27:35"), 1290079655);
}

TEST(ParseHttpTime, EveryPrefixAndByte) {
    // No input may read past its end: try every truncation of valid dates, and every
    // byte value at every position.
    for (std::string good : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                             "Sun Nov  6 08:49:37 1994"}) {
        for (std::size_t len = 0; len <= good.size(); ++len) (void)parse(good.substr(0, len));
        for (std::size_t i = 0; i < good.size(); ++i) {
            std::string s = good;
            for (int b = 0; b < 256; ++b) {
                s[i] = static_cast<char>(b);
                (void)parse(s);
            }
        }
    }
}

TEST(HttpDateFormatter, AgreesWithFormatHttpAcrossDays) {
    ht::HttpDateFormatter formatter;
    char buf[ht::max_length];
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{86399}, std::int64_t{86400}, std::int64_t{1290079655},
                           std::int64_t{1290079655}, std::int64_t{-1}, std::int64_t{253402300799},
                           std::int64_t{253402300800}, INT64_MIN, INT64_MAX, std::int64_t{951782399}}) {
        EXPECT_EQ(std::string(buf, formatter.format(t, buf)), http(t)) << t;
    }
    for (std::int64_t t = 1290000000; t < 1290000000 + 3 * 86400; t += 997) {
        ASSERT_EQ(std::string(buf, formatter.format(t, buf)), http(t)) << t;
    }
}
