#pragma once
#include <cstddef>
#include <string_view>

// Text of HTTP header fields as the Lua API writes and reads it. No nginx headers:
// unit-tested.
namespace nlf::core {

enum class HeaderPart { name, value };

// How many bytes of `s` are written as %XX when Lua code sets a header, as
// OpenResty 0.10.28 does, so that no CR or LF (nor anything that would break the
// field) reaches the wire: in names, controls, space, separators and non-ASCII; in
// values, controls but HT, and DEL.
std::size_t header_escapes(std::string_view s, HeaderPart part) noexcept;

// Writes `s` with those bytes escaped to `dst` (s.size() + 2 * escapes bytes).
// Returns the end of what was written.
unsigned char *escape_header(unsigned char *dst, std::string_view s, HeaderPart part) noexcept;

// nginx ends each parsed header name and value with a NUL, in the buffer the request
// was read into. Puts back what the NULs replaced in the `len` bytes of a request
// header copied from there (exactly, but for whitespace before a LF-only line end),
// and returns the length up to and including the empty line that ends the header
// (what follows may be body bytes).
std::size_t restore_raw_header(unsigned char *data, std::size_t len) noexcept;

// The host part of a Host header value (port and a trailing dot left out), or -1
// when nginx would refuse the value.
long host_length(std::string_view host) noexcept;

}  // namespace nlf::core
