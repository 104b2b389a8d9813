#pragma once
#include "ngx.hpp"

#include <string_view>

namespace nlf::core {

// An FFI function's error for the Lua side: `message` then `detail`, cut to the
// *errlen bytes `err` has room for; *errlen becomes the length. Returns NGX_ERROR.
inline int set_ffi_error(unsigned char *err, size_t *errlen, std::string_view message,
                         std::string_view detail = {}) noexcept {
    u_char *end = ngx_snprintf(err, *errlen, "%*s%*s", message.size(), message.data(), detail.size(),
                               detail.data());
    *errlen = static_cast<size_t>(end - err);
    return NGX_ERROR;
}

}  // namespace nlf::core
