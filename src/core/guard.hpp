#pragma once
#include "ngx.hpp"

#include <exception>
#include <utility>

namespace nlf::core {

// Runs `fn` where an exception must not unwind into nginx's C frames (a callback, an
// FFI function): one that escapes is logged and `fallback` returned instead.
template <typename R, typename F>
R guarded(ngx_log_t *log, R fallback, F &&fn) noexcept {
    try {
        return std::forward<F>(fn)();
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, log, 0, "nginx-lua-ffi: %s", e.what());
    } catch (...) {
        ngx_log_error(NGX_LOG_ALERT, log, 0, "nginx-lua-ffi: unknown exception");
    }
    return fallback;
}

}  // namespace nlf::core
