#include <gtest/gtest.h>

#include "core/pure/http_time.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// The parser as first written, one byte at a time, straight from nginx's rules: the
// word-at-a-time parser must agree with it on every input.
std::optional<std::int64_t> reference_parse(std::string_view s) {
    const std::size_t n = s.size();
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s.at(i)); };
    auto number = [&](std::size_t i, std::size_t len) -> std::int64_t {
        std::int64_t v = 0;
        for (std::size_t k = 0; k < len; ++k) {
            const unsigned d = at(i + k) - '0';
            if (d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    };
    enum { rfc1123, rfc850, asctime } fmt = rfc1123;
    std::size_t p = 0;
    while (p < n && at(p) != ',' && at(p) != ' ') ++p;
    if (p == n) return std::nullopt;
    if (at(p) == ' ') fmt = asctime;
    for (++p; p < n && at(p) == ' '; ++p) {
    }
    if (n - p < 18) return std::nullopt;
    std::int64_t day = 0;
    if (fmt != asctime) {
        day = number(p, 2);
        if (day < 0) return std::nullopt;
        p += 2;
        if (at(p) == ' ') {
            if (n - p < 18) return std::nullopt;
        } else if (at(p) == '-') {
            fmt = rfc850;
        } else {
            return std::nullopt;
        }
        ++p;
    }
    int month;
    switch (at(p)) {
    case 'J': month = at(p + 1) == 'a' ? 0 : at(p + 2) == 'n' ? 5 : 6; break;
    case 'F': month = 1; break;
    case 'M': month = at(p + 2) == 'r' ? 2 : 4; break;
    case 'A': month = at(p + 1) == 'p' ? 3 : 7; break;
    case 'S': month = 8; break;
    case 'O': month = 9; break;
    case 'N': month = 10; break;
    case 'D': month = 11; break;
    default: return std::nullopt;
    }
    p += 3;
    if ((fmt == rfc1123 && at(p) != ' ') || (fmt == rfc850 && at(p) != '-')) return std::nullopt;
    ++p;
    std::int64_t year = 0;
    if (fmt == rfc1123) {
        year = number(p, 4);
        if (year < 0) return std::nullopt;
        p += 4;
    } else if (fmt == rfc850) {
        year = number(p, 2);
        if (year < 0) return std::nullopt;
        year += year < 70 ? 2000 : 1900;
        p += 2;
    } else {
        if (at(p) == ' ') ++p;
        if (number(p, 1) < 0) return std::nullopt;
        day = number(p++, 1);
        if (at(p) != ' ') {
            if (number(p, 1) < 0) return std::nullopt;
            day = day * 10 + number(p++, 1);
        }
        if (n - p < 14) return std::nullopt;
    }
    if (at(p++) != ' ') return std::nullopt;
    const std::int64_t hour = number(p, 2);
    p += 2;
    if (at(p++) != ':') return std::nullopt;
    const std::int64_t minute = number(p, 2);
    p += 2;
    if (at(p++) != ':') return std::nullopt;
    const std::int64_t second = number(p, 2);
    if (fmt == asctime) {
        p += 2;
        if (at(p++) != ' ') return std::nullopt;
        year = number(p, 4);
    }
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || year < 0) {
        return std::nullopt;
    }
    static constexpr std::int64_t month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day == 29 && month == 1) {
        if ((year % 4 != 0) || (year % 100 == 0 && year % 400 != 0)) return std::nullopt;
    } else if (day > month_days[month]) {
        return std::nullopt;
    }
    // nginx's arithmetic, unsigned 64-bit as nginx does it.
    std::uint64_t m = static_cast<std::uint64_t>(month);
    std::uint64_t y = static_cast<std::uint64_t>(year);
    if (m == 0 || m == 1) {
        m += 12;
        y -= 1;
    }
    m -= 1;  // March = 1
    const std::uint64_t days = 365 * y + y / 4 - y / 100 + y / 400 + 367 * m / 12 - 30 +
                               static_cast<std::uint64_t>(day) - 1 - 719527 + 31 + 28;
    return static_cast<std::int64_t>(days * 86400 + static_cast<std::uint64_t>(hour * 3600 + minute * 60 + second));
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

TEST(DayCachedFormatter, AgreesWithTheFullFormatsAcrossDays) {
    using Full = std::string (*)(std::int64_t);
    for (auto [format, full] : {std::pair<ht::DayCachedFormatter::Format, Full>{ht::format_http, http},
                                std::pair<ht::DayCachedFormatter::Format, Full>{ht::format_cookie, cookie}}) {
        ht::DayCachedFormatter formatter(format);
        char buf[ht::max_length];
        for (std::int64_t t :
             {std::int64_t{0}, std::int64_t{86399}, std::int64_t{86400}, std::int64_t{1290079655},
              std::int64_t{1290079655}, std::int64_t{-1}, std::int64_t{253402300799}, std::int64_t{253402300800},
              INT64_MIN, INT64_MAX, std::int64_t{951782399}, std::int64_t{2145916799}, std::int64_t{2145916800},
              std::int64_t{2145916799}}) {
            EXPECT_EQ(std::string(buf, formatter.format(t, buf)), full(t)) << t;
        }
        for (std::int64_t t = 1290000000; t < 1290000000 + 3 * 86400; t += 997) {
            ASSERT_EQ(std::string(buf, formatter.format(t, buf)), full(t)) << t;
        }
    }
}

TEST(ParseHttpTime, AgreesWithTheByteAtATimeReading) {
    std::vector<std::string> subjects;
    for (std::string good : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                             "Sun Nov  6 08:49:37 1994", "Sun Nov 16 08:49:37 1994", "Thu, 29 Feb 2000 23:59:59 GMT",
                             "Wednesday, 31-Dec-69 00:00:00 GMT", ",  18 Nov 0000 11:27:35"}) {
        for (std::size_t len = 0; len <= good.size(); ++len) subjects.push_back(good.substr(0, len));
        // Every byte value at every place, and pairs of likely bytes at every two places.
        for (std::size_t i = 0; i < good.size(); ++i) {
            std::string s = good;
            for (int b = 0; b < 256; ++b) {
                s[i] = static_cast<char>(b);
                subjects.push_back(s);
            }
        }
        const std::string likely = "0129:- ,/\x7f\xff";
        for (std::size_t i = 0; i < good.size(); ++i) {
            for (std::size_t j = i + 1; j < good.size(); ++j) {
                for (char a : likely) {
                    for (char b : likely) {
                        std::string s = good;
                        s[i] = a;
                        s[j] = b;
                        subjects.push_back(s);
                    }
                }
            }
        }
    }
    // Random digits in the digit places: days, months' lengths, leap years, clocks out
    // of range.
    std::uint64_t seed = 42;
    auto next = [&seed](std::uint64_t bound) {
        seed = seed * 6364136223846793005 + 1442695040888963407;
        return (seed >> 33) % bound;
    };
    const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::string pattern : {"Thu, 99 Mmm 9999 99:99:99 GMT", "Thursday, 99-Mmm-99 99:99:99 GMT",
                                "Thu Mmm 99 99:99:99 9999", "Thu Mmm  9 99:99:99 9999"}) {
        for (int k = 0; k < 50000; ++k) {
            std::string s = pattern;
            const std::size_t m = s.find("Mmm");
            s.replace(m, 3, months[next(12)]);
            for (char &ch : s) {
                if (ch == '9') ch = static_cast<char>('0' + next(10));
            }
            subjects.push_back(s);
        }
    }
    for (const std::string &s : subjects) {
        ASSERT_EQ(parse(s), reference_parse(s)) << s;
    }
}
