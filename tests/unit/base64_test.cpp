#include <gtest/gtest.h>

#include "core/pure/base64.hpp"

#include <optional>
#include <string>

namespace b64 = nlf::core::base64;

namespace {

std::string encode(std::string_view s, b64::Alphabet a = b64::Alphabet::standard, bool padding = true) {
    std::string out(b64::encoded_length(s.size(), padding), '\0');
    std::size_t n = b64::encode(s, reinterpret_cast<unsigned char *>(out.data()), a, padding);
    EXPECT_EQ(n, out.size());
    return out;
}

std::optional<std::string> decode(std::string_view s, b64::Alphabet a = b64::Alphabet::standard) {
    std::string out(b64::decoded_length_max(s.size()), '\0');
    std::size_t n = b64::decode(s, reinterpret_cast<unsigned char *>(out.data()), a);
    if (n == b64::invalid) return std::nullopt;
    out.resize(n);
    return out;
}

std::optional<std::string> decode_mime(std::string_view s) {
    std::string out(b64::decoded_length_max(s.size()), '\0');
    std::size_t n = b64::decode_mime(s, reinterpret_cast<unsigned char *>(out.data()));
    if (n == b64::invalid) return std::nullopt;
    out.resize(n);
    return out;
}

}  // namespace

TEST(Base64, Rfc4648Vectors) {
    EXPECT_EQ(encode(""), "");
    EXPECT_EQ(encode("f"), "Zg==");
    EXPECT_EQ(encode("fo"), "Zm8=");
    EXPECT_EQ(encode("foo"), "Zm9v");
    EXPECT_EQ(encode("foob"), "Zm9vYg==");
    EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(decode("Zm9vYg=="), "foob");
    EXPECT_EQ(decode(""), "");
}

TEST(Base64, WithoutPadding) {
    EXPECT_EQ(encode("f", b64::Alphabet::standard, false), "Zg");
    EXPECT_EQ(encode("fo", b64::Alphabet::standard, false), "Zm8");
    EXPECT_EQ(encode("foo", b64::Alphabet::standard, false), "Zm9v");
    EXPECT_EQ(decode("Zg"), "f");
    EXPECT_EQ(decode("Zm8"), "fo");
}

TEST(Base64, UrlAlphabet) {
    const std::string bytes("\xfb\xff\xbf", 3);
    EXPECT_EQ(encode(bytes), "+/+/");
    EXPECT_EQ(encode(bytes, b64::Alphabet::url, false), "-_-_");
    EXPECT_EQ(decode("-_-_", b64::Alphabet::url), bytes);
    EXPECT_EQ(decode("_w", b64::Alphabet::url), std::string("\xff"));
    EXPECT_EQ(decode("+/+/", b64::Alphabet::url), std::nullopt);
    EXPECT_EQ(decode("-_-_"), std::nullopt);
}

TEST(Base64, BinaryRoundTrip) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t len = 0; len <= all.size(); ++len) {
        std::string s = all.substr(0, len);
        EXPECT_EQ(decode(encode(s)), s);
        EXPECT_EQ(decode(encode(s, b64::Alphabet::url, false), b64::Alphabet::url), s);
    }
}

TEST(Base64, MalformedIsRefused) {
    EXPECT_EQ(decode("a"), std::nullopt);          // one character left over
    EXPECT_EQ(decode("Zm9vY"), std::nullopt);
    EXPECT_EQ(decode("Zm9v!"), std::nullopt);      // outside the alphabet
    EXPECT_EQ(decode("Zm 9v"), std::nullopt);
    EXPECT_EQ(decode("Zm9v\n"), std::nullopt);
    EXPECT_EQ(decode(std::string("Zg\0=", 4)), std::nullopt);
}

TEST(Base64, DataEndsAtTheFirstPaddingCharacter) {
    // nginx ignores whatever follows '=', so does OpenResty's ngx.decode_base64.
    EXPECT_EQ(decode("Zg==garbage!"), "f");
    EXPECT_EQ(decode("="), "");
    EXPECT_EQ(decode("Z="), std::nullopt);
}

TEST(Base64, LongInput) {
    std::string s(100000, 'x');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
    EXPECT_EQ(decode(encode(s)), s);
    EXPECT_EQ(decode(std::string(5460, 'a'))->size(), 4095u);
    EXPECT_EQ(decode(std::string(5462, 'a'))->size(), 4096u);
}

TEST(Base64Mime, SkipsBytesOutsideTheAlphabet) {
    EXPECT_EQ(decode_mime("aGVs\nbG8="), "hello");
    EXPECT_EQ(decode_mime("aGVs bG8="), "hello");
    EXPECT_EQ(decode_mime("aG\r\nVs-bG_8"), "hello");
    EXPECT_EQ(decode_mime("!a@G#V$s%b^G&8*=\n"), "hello");
}

TEST(Base64Mime, EmptyAndMalformed) {
    EXPECT_EQ(decode_mime(""), "");
    EXPECT_EQ(decode_mime("^&$"), "");
    EXPECT_EQ(decode_mime("zaaLg=="), std::nullopt);
    EXPECT_EQ(decode_mime("a\n"), std::nullopt);
}

TEST(Base64Mime, MimeLines) {
    std::string text(300, 'q');
    std::string encoded = encode(text);
    std::string wrapped;
    for (std::size_t i = 0; i < encoded.size(); i += 76) wrapped += encoded.substr(i, 76) + "\r\n";
    EXPECT_EQ(decode_mime(wrapped), text);
}
