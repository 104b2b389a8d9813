#pragma once
#include <cstddef>
#include <string_view>

namespace nlf::core::escape {

// The escape types of ngx.escape_uri (OpenResty numbers them this way).
enum class UriType : int {
    uri = 0,            // a whole URI: space, '#', '%', '?', controls, 0x7f-0xff
    args = 1,           // a query string: as uri, and '+'
    uri_component = 2,  // everything but ALPHA DIGIT - . _ ~ and ! * ' ( )
    html = 3,           // as uri minus '?', plus '"' and '\''
    refresh = 4,        // a Refresh header URL: space, '"', '\'', controls, 0x7f-0xff
    memcached = 5,      // a memcached key: space, '%', controls
    mail_auth = 6,      // as memcached
    header_name = 7,    // an HTTP header name: separators, controls, 0x7f-0xff
};

inline constexpr int uri_type_count = 8;

// Bytes `src` needs once escaped as `type` (each escaped byte becomes "%XX").
std::size_t escaped_length(std::string_view src, UriType type) noexcept;

// Writes escaped_length(src, type) bytes to dst (hex digits in upper case).
void escape_uri(std::string_view src, unsigned char *dst, UriType type) noexcept;

// ngx.unescape_uri: "%XX" becomes the byte, '+' becomes a space, and a '%' not
// followed by two hex digits is kept as is. Writes at most src.size() bytes; returns
// the count.
std::size_t unescape_uri(std::string_view src, unsigned char *dst) noexcept;

// ngx.quote_sql_str: src between single quotes, with NUL, '\b', '\n', '\r', '\t',
// 0x1a, '\\', '\'' and '"' backslash-escaped as MySQL reads them.
std::size_t quoted_sql_length(std::string_view src) noexcept;
void quote_sql(std::string_view src, unsigned char *dst) noexcept;

}  // namespace nlf::core::escape
