#pragma once
#include <cstddef>
#include <string_view>

namespace nlf::core::base64 {

enum class Alphabet { standard, url };  // RFC 4648 sections 4 and 5

// Bytes encode() writes for `len` input bytes.
constexpr std::size_t encoded_length(std::size_t len, bool padding) noexcept {
    return padding ? (len + 2) / 3 * 4 : (len * 8 + 5) / 6;
}

// What the decoders return for malformed input. (Not std::optional: returned through
// memory, its flag byte costs a store-forwarding stall per call, more than decoding a
// short string.)
inline constexpr std::size_t invalid = static_cast<std::size_t>(-1);

// Upper bound of what a decoder writes for `len` input bytes.
constexpr std::size_t decoded_length_max(std::size_t len) noexcept {
    return (len + 3) / 4 * 3;
}

// Writes encoded_length(src.size(), padding) bytes to dst; returns that count.
std::size_t encode(std::string_view src, unsigned char *dst, Alphabet alphabet, bool padding) noexcept;

// nginx's rules (what OpenResty's ngx.decode_base64 and ngx.base64.decode_base64url
// accept): the data ends at the first '=' or at the end of input, every byte before
// it must be in the alphabet, and a final group of a single character is refused.
// Returns the decoded length (at most decoded_length_max), or `invalid`.
std::size_t decode(std::string_view src, unsigned char *dst, Alphabet alphabet) noexcept;

// RFC 2045 (MIME) decoding: bytes outside the standard alphabet (line breaks, spaces,
// anything else) are skipped, the data ends at the first '='; a final group of a single
// character is refused.
std::size_t decode_mime(std::string_view src, unsigned char *dst) noexcept;

}  // namespace nlf::core::base64
