// ngx.encode_base64 & co., ngx.escape_uri, ngx.unescape_uri, ngx.quote_sql_str,
// ngx.crc32_*, resty.core.utils.str_replace_char: thin FFI wrappers over the pure
// helpers.
#include "ngx.hpp"

#include "core/pure/base64.hpp"
#include "core/pure/crc32.hpp"
#include "core/pure/escape.hpp"

#include <algorithm>

namespace b64 = nlf::core::base64;
namespace esc = nlf::core::escape;

namespace {

std::string_view bytes(const unsigned char *src, size_t len) noexcept {
    return {reinterpret_cast<const char *>(src), len};
}

// What nlf_ffi_base64_decode accepts.
enum DecodeMode { decode_standard = 0, decode_url = 1, decode_mime = 2 };

// OpenResty's decoders return 1 for success and 0 for malformed input.
int decoded(size_t n, size_t *dlen) noexcept {
    if (n == b64::invalid) return 0;
    *dlen = n;
    return 1;
}

// Types outside 0..7 are refused by the Lua side; here they fall back to the default.
esc::UriType uri_type(int type) noexcept {
    return type >= 0 && type < esc::uri_type_count ? static_cast<esc::UriType>(type) : esc::UriType::uri_component;
}

}  // namespace

NLF_API size_t nlf_ffi_base64_encode(const unsigned char *src, size_t len, unsigned char *dst, int url,
                                     int padding) noexcept {
    return b64::encode(bytes(src, len), dst, url ? b64::Alphabet::url : b64::Alphabet::standard, padding != 0);
}

NLF_API int nlf_ffi_base64_decode(const unsigned char *src, size_t len, unsigned char *dst, size_t *dlen,
                                  int mode) noexcept {
    switch (mode) {
    case decode_url: return decoded(b64::decode(bytes(src, len), dst, b64::Alphabet::url), dlen);
    case decode_mime: return decoded(b64::decode_mime(bytes(src, len), dst), dlen);
    default: return decoded(b64::decode(bytes(src, len), dst, b64::Alphabet::standard), dlen);
    }
}

NLF_API size_t ngx_http_lua_ffi_encode_base64(const unsigned char *src, size_t len, unsigned char *dst,
                                              int no_padding) noexcept {
    return nlf_ffi_base64_encode(src, len, dst, 0, !no_padding);
}

NLF_API int ngx_http_lua_ffi_decode_base64(const unsigned char *src, size_t len, unsigned char *dst,
                                           size_t *dlen) noexcept {
    return nlf_ffi_base64_decode(src, len, dst, dlen, decode_standard);
}

NLF_API int ngx_http_lua_ffi_decode_base64mime(const unsigned char *src, size_t len, unsigned char *dst,
                                               size_t *dlen) noexcept {
    return nlf_ffi_base64_decode(src, len, dst, dlen, decode_mime);
}

NLF_API size_t ngx_http_lua_ffi_uri_escaped_length(const unsigned char *src, size_t len, int type) noexcept {
    return esc::escaped_length(bytes(src, len), uri_type(type));
}

NLF_API void ngx_http_lua_ffi_escape_uri(const unsigned char *src, size_t len, unsigned char *dst,
                                         int type) noexcept {
    esc::escape_uri(bytes(src, len), dst, uri_type(type));
}

// One call for the common case: escapes into dst when it has room for the result
// (`cap` bytes) and returns the escaped length either way, so the caller can retry
// with a buffer that large.
NLF_API size_t nlf_ffi_escape_uri(const unsigned char *src, size_t len, unsigned char *dst, size_t cap,
                                  int type) noexcept {
    const std::string_view s = bytes(src, len);
    const size_t n = esc::escaped_length(s, uri_type(type));
    if (n <= cap && n != len) esc::escape_uri(s, dst, uri_type(type));
    return n;
}

NLF_API size_t ngx_http_lua_ffi_unescape_uri(const unsigned char *src, size_t len, unsigned char *dst) noexcept {
    return esc::unescape_uri(bytes(src, len), dst);
}

NLF_API size_t nlf_ffi_quote_sql_str(const unsigned char *src, size_t len, unsigned char *dst,
                                     size_t cap) noexcept {
    const std::string_view s = bytes(src, len);
    const size_t n = esc::quoted_sql_length(s);
    if (n <= cap) esc::quote_sql(s, dst);
    return n;
}

NLF_API unsigned int ngx_http_lua_ffi_crc32_short(const unsigned char *src, size_t len) noexcept {
    return nlf::core::crc32(bytes(src, len));
}

NLF_API unsigned int ngx_http_lua_ffi_crc32_long(const unsigned char *src, size_t len) noexcept {
    return nlf::core::crc32(bytes(src, len));
}

NLF_API void ngx_http_lua_ffi_str_replace_char(unsigned char *buf, size_t len, const unsigned char find,
                                               const unsigned char replace) noexcept {
    std::replace(buf, buf + len, find, replace);
}
