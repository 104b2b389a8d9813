#include <gtest/gtest.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include "core/pure/md5.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace {

std::string hex(const unsigned char *d, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[d[i] >> 4];
        s += digits[d[i] & 0xf];
    }
    return s;
}

std::string md5_hex(std::string_view s) {
    unsigned char d[nlf::core::md5_length];
    nlf::core::md5(s, d);
    return hex(d, sizeof d);
}

}  // namespace

TEST(Md5, Rfc1321TestSuite) {
    EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
    EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
    EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              "d174ab98d277d9f5a5611c2c9f419d9f");
    EXPECT_EQ(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
              "57edf4a22be3c955ac49da2e2107b67a");
    EXPECT_EQ(md5_hex("hello world"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
}

// Every length over a few blocks (each place the padding can fall), at every alignment,
// and bytes of every value, against OpenSSL.
TEST(Md5, AgreesWithOpenSsl) {
    std::vector<unsigned char> data(1100);
    std::uint32_t seed = 7;
    for (auto &b : data) {
        seed = seed * 1103515245 + 12345;
        b = static_cast<unsigned char>(seed >> 16);
    }
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t len = 0; len + offset <= 300; ++len) {
            unsigned char ours[nlf::core::md5_length];
            unsigned char theirs[MD5_DIGEST_LENGTH];
            nlf::core::md5({reinterpret_cast<const char *>(data.data() + offset), len}, ours);
            MD5(data.data() + offset, len, theirs);
            ASSERT_EQ(hex(ours, sizeof ours), hex(theirs, sizeof theirs)) << offset << " " << len;
        }
    }
    unsigned char ours[nlf::core::md5_length];
    unsigned char theirs[MD5_DIGEST_LENGTH];
    nlf::core::md5({reinterpret_cast<const char *>(data.data()), data.size()}, ours);
    MD5(data.data(), data.size(), theirs);
    EXPECT_EQ(hex(ours, sizeof ours), hex(theirs, sizeof theirs));
}
