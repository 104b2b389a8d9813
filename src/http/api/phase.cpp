// ngx.get_phase.
#include "http/api/api.hpp"

using namespace nlf;
using namespace nlf::http;

// Without a request (init, init_worker, timers) the context is the process's.
NLF_API int ngx_http_lua_ffi_get_phase(ngx_http_request_t *r, char **err) noexcept {
    if (r == nullptr) return static_cast<int>(core::requestless_context);
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr) {
        *err = const_cast<char *>("no request context");
        return NGX_ERROR;
    }
    return static_cast<int>(ctx->context);
}
