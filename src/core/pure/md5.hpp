#pragma once
#include <cstddef>
#include <string_view>

namespace nlf::core {

inline constexpr std::size_t md5_length = 16;

// MD5 (RFC 1321) of `data` into `digest`. Our own rather than OpenSSL's: short inputs
// (one or two blocks, what ngx.md5 mostly sees) are padded without a context and its
// byte copies, and the steps are written so that only the newest word is on the
// critical path (four instead of five dependent instructions in rounds 2 and 3).
void md5(std::string_view data, unsigned char digest[md5_length]) noexcept;

}  // namespace nlf::core
