#include <gtest/gtest.h>

#include "core/pure/crc32.hpp"

#include <string>

using nlf::core::crc32;

namespace {

// The bit-at-a-time definition, to check the table-driven one against.
std::uint32_t reference_crc32(std::string_view s) {
    std::uint32_t crc = 0xffffffff;
    for (unsigned char c : s) {
        crc ^= c;
        for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
    }
    return ~crc;
}

}  // namespace

TEST(Crc32, KnownValues) {
    EXPECT_EQ(crc32(""), 0u);
    EXPECT_EQ(crc32("hello"), 907060870u);
    EXPECT_EQ(crc32("123456789"), 0xcbf43926u);
    EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339u);
}

TEST(Crc32, EveryLengthAndAlignment) {
    std::string s;
    for (int i = 0; i < 300; ++i) s.push_back(static_cast<char>(i * 31 + 7));
    for (std::size_t from = 0; from < 9; ++from) {
        for (std::size_t len = 0; from + len <= s.size(); ++len) {
            std::string_view v(s.data() + from, len);
            ASSERT_EQ(crc32(v), reference_crc32(v)) << from << " " << len;
        }
    }
}
