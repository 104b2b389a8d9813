#include <gtest/gtest.h>

#include "core/pure/stream_pattern.hpp"

#include <random>
#include <string>

using nlf::core::StreamPattern;
using Stop = StreamPattern::Stop;

namespace {

// The longest suffix of `data` that is a proper prefix of `pattern`, by brute force.
size_t pending_prefix(std::string_view data, std::string_view pattern) {
    for (size_t n = std::min(data.size(), pattern.size() - 1); n > 0; --n) {
        if (data.substr(data.size() - n) == pattern.substr(0, n)) return n;
    }
    return 0;
}

// Where the first match ends when `data` arrives `step` bytes at a time (npos: none),
// checking what is pending after each piece.
size_t end_of_match_in_pieces(const StreamPattern &sp, std::string_view pattern, std::string_view data,
                              size_t step) {
    size_t pos = 0, matched = 0;
    for (size_t have = std::min(step, data.size());; have = std::min(have + step, data.size())) {
        const Stop stop = sp.scan(data.substr(0, have), pos, matched, 0);
        if (stop == Stop::found) return pos;
        EXPECT_EQ(stop, Stop::more);
        EXPECT_EQ(pos, have);
        EXPECT_EQ(matched, pending_prefix(data.substr(0, have), pattern)) << data << " / " << pattern;
        if (have == data.size()) return std::string_view::npos;
    }
}

}  // namespace

TEST(StreamPattern, RepeatedPrefixes) {
    StreamPattern sp("--abc");
    size_t pos = 0, matched = 0;
    EXPECT_EQ(sp.scan("x---abc--abc", pos, matched, 0), Stop::found);
    EXPECT_EQ(pos, 7u);  // "x-" comes before it
    pos = 0;
    matched = 0;
    EXPECT_EQ(sp.scan("abababcab", pos, matched, 0), Stop::more);
    StreamPattern ab("ababc");
    pos = 0;
    matched = 0;
    EXPECT_EQ(ab.scan("abababcab", pos, matched, 0), Stop::found);
    EXPECT_EQ(pos, 7u);
}

TEST(StreamPattern, LimitCountsOnlyCertainBytes) {
    StreamPattern sp("--abc");
    size_t pos = 0, matched = 0;
    // "a" then "--ab" pending, then "-" breaks it: "a--ab" is certain at once.
    EXPECT_EQ(sp.scan("a--ab--abc", pos, matched, 2), Stop::limit);
    EXPECT_EQ(pos - matched, 5u);
    EXPECT_EQ(matched, 1u);
    pos = 0;
    matched = 0;
    EXPECT_EQ(sp.scan("abcdef", pos, matched, 4), Stop::limit);
    EXPECT_EQ(pos, 4u);
    EXPECT_EQ(matched, 0u);
}

TEST(StreamPattern, AgreesWithFindForEverySplit) {
    std::mt19937 rng(12);
    for (int round = 0; round < 3000; ++round) {
        std::string pattern, data;
        const size_t plen = 1 + rng() % 5, dlen = rng() % 24;
        for (size_t i = 0; i < plen; ++i) pattern += static_cast<char>('a' + rng() % 2);
        for (size_t i = 0; i < dlen; ++i) data += static_cast<char>('a' + rng() % 2);
        StreamPattern sp(pattern);
        const size_t at = data.find(pattern);
        const size_t expected = at == std::string::npos ? at : at + pattern.size();
        for (size_t step = 1; step <= data.size() + 1; ++step) {
            ASSERT_EQ(end_of_match_in_pieces(sp, pattern, data, step), expected)
                << "pattern " << pattern << " data " << data << " step " << step;
        }
    }
}

TEST(StreamPattern, LimitStopsAtTheFirstCertainCount) {
    std::mt19937 rng(34);
    for (int round = 0; round < 3000; ++round) {
        std::string pattern, data;
        const size_t plen = 1 + rng() % 4, dlen = rng() % 20, limit = 1 + rng() % 5;
        for (size_t i = 0; i < plen; ++i) pattern += static_cast<char>('a' + rng() % 2);
        for (size_t i = 0; i < dlen; ++i) data += static_cast<char>('a' + rng() % 2);
        StreamPattern sp(pattern);
        size_t pos = 0, matched = 0;
        const Stop stop = sp.scan(data, pos, matched, limit);
        // Byte by byte, by brute force: the first place where the pattern ends or the
        // certain bytes reach the limit.
        size_t n = 1;
        for (; n <= data.size(); ++n) {
            std::string_view seen = std::string_view(data).substr(0, n);
            if (seen.ends_with(pattern)) break;
            if (n - pending_prefix(seen, pattern) >= limit) break;
        }
        if (n > data.size()) {
            EXPECT_EQ(stop, Stop::more) << pattern << " " << data << " " << limit;
            EXPECT_EQ(pos, data.size());
            continue;
        }
        EXPECT_EQ(pos, n) << pattern << " " << data << " " << limit;
        EXPECT_EQ(stop, std::string_view(data).substr(0, n).ends_with(pattern) ? Stop::found : Stop::limit);
    }
}
