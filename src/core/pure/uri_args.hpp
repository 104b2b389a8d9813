#pragma once
#include <cstddef>
#include <string_view>

#include "core/pure/ffi_types.hpp"

// Query strings ("a=1&b=2"), as ngx.req.get_uri_args, ngx.decode_args and
// ngx.encode_args read and write them. No nginx headers: unit-tested.
namespace nlf::core {

// An upper bound of the pairs in `args`: its '&'-separated segments.
std::size_t arg_segments(std::string_view args) noexcept;

// Decodes %XX and '+' (a space) in place; malformed escapes stay as they are.
// Returns the decoded length.
std::size_t unescape_arg(unsigned char *s, std::size_t len) noexcept;

// Splits `text` (a writable copy of a query string, decoded in place) into `out`,
// which has room for `capacity` pairs: at most `max` pairs (0: no limit). Pairs with
// an empty key are skipped. `truncated` tells whether pairs were left out.
std::size_t parse_args(unsigned char *text, std::size_t len, FfiPair *out, std::size_t capacity,
                       std::size_t max, bool &truncated) noexcept;

// Writes `src` escaped as a URI component as OpenResty escapes it (everything but
// ALPHA, DIGIT and "-._~!'()*" as %XX) to `dst`, which has room for 3 * src.size()
// bytes. Returns the length written.
std::size_t escape_uri_component(std::string_view src, unsigned char *dst) noexcept;

// The bytes of `src` that escape_controls escapes: controls, space and DEL.
std::size_t control_bytes(std::string_view src) noexcept;

// Writes `src` with its control bytes, space and DEL as %XX (what OpenResty escapes in a
// query string given to ngx.req.set_uri_args, so that it cannot break the request
// line) to `dst`, which has room for src.size() + 2 * control_bytes(src) bytes.
// Returns the length written.
std::size_t escape_controls(std::string_view src, unsigned char *dst) noexcept;

}  // namespace nlf::core
