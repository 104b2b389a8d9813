// The one place that includes nginx's core (C) headers; every source includes this
// first. src/core and src/api stay free of the http subsystem (a stream subsystem
// shares them); src/http includes ngx_http.hpp beside this.
#pragma once

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <nginx.h>

#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>
}

#include <string_view>

// Marks a function of the FFI ABI: C linkage, exported from the .so (everything else
// is hidden), never throws.
#define NLF_API extern "C" __attribute__((visibility("default")))

namespace nlf {

inline std::string_view view(const ngx_str_t &s) noexcept {
    return {reinterpret_cast<const char *>(s.data), s.len};
}

inline ngx_str_t ngx_str(std::string_view s) noexcept {
    return {s.size(), reinterpret_cast<u_char *>(const_cast<char *>(s.data()))};
}

// Status codes of the FFI ABI beyond nginx's own NGX_* values.
inline constexpr int kNoRequest = -100;
inline constexpr int kBadContext = -101;
// Ours, not the ABI's: the call would run Lua (a Lua output filter) and an FFI call
// must not re-enter the VM, so the Lua side repeats it through the C API.
inline constexpr int kNeedVm = -102;

}  // namespace nlf
