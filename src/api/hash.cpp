// ngx.md5, ngx.md5_bin (our own MD5), ngx.sha1_bin, ngx.hmac_sha1 (OpenSSL's SHA-1).
//
// OpenSSL 3 deprecates its low-level SHA1_* functions in favour of EVP, but they are
// still there and run the same assembly without EVP's per-call algorithm lookup and
// context set-up, which costs as much again as hashing a short string (the one-shot
// SHA1() now goes through EVP as well).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ngx.hpp"

#include "core/pure/md5.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace {

// "00" to "ff", one after the other.
constexpr std::array<char, 512> hex_pairs = [] {
    constexpr char digits[] = "0123456789abcdef";
    std::array<char, 512> pairs{};
    for (int b = 0; b < 256; ++b) {
        pairs[2 * b] = digits[b >> 4];
        pairs[2 * b + 1] = digits[b & 0xf];
    }
    return pairs;
}();

void md5(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    nlf::core::md5({reinterpret_cast<const char *>(src), len}, dst);
}

void sha1(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, src, len);
    SHA1_Final(dst, &ctx);
}

void to_hex(const unsigned char *bin, size_t n, unsigned char *dst) noexcept {
    for (size_t i = 0; i < n; ++i) std::memcpy(dst + 2 * i, hex_pairs.data() + 2 * bin[i], 2);
}

}  // namespace

NLF_API void ngx_http_lua_ffi_md5_bin(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    md5(src, len, dst);
}

NLF_API void ngx_http_lua_ffi_md5(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    unsigned char digest[nlf::core::md5_length];
    md5(src, len, digest);
    to_hex(digest, sizeof digest, dst);
}

// 1: OpenResty's "SHA-1 is available" answer.
NLF_API int ngx_http_lua_ffi_sha1_bin(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    sha1(src, len, dst);
    return 1;
}

// HMAC-SHA1 (RFC 2104) with the low-level SHA-1: OpenSSL 3's HMAC() goes through EVP
// and its provider lookup, several times slower for the short inputs this sees.
NLF_API void nlf_ffi_hmac_sha1(const unsigned char *key, size_t key_len, const unsigned char *src, size_t len,
                               unsigned char *dst) noexcept {
    unsigned char block[SHA_CBLOCK] = {};
    if (key_len > SHA_CBLOCK) {
        sha1(key, key_len, block);
    } else if (key_len != 0) {
        std::memcpy(block, key, key_len);
    }
    unsigned char pad[SHA_CBLOCK];
    for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = block[i] ^ 0x36;
    unsigned char inner[SHA_DIGEST_LENGTH];
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, pad, sizeof pad);
    SHA1_Update(&ctx, src, len);
    SHA1_Final(inner, &ctx);
    for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = block[i] ^ 0x5c;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, pad, sizeof pad);
    SHA1_Update(&ctx, inner, sizeof inner);
    SHA1_Final(dst, &ctx);
}
