// ngx.ctx: the Lua side keeps one table per request in the registry's
// ngx_lua_ctx_tables and the request remembers its slot (RequestCtx::ctx_ref), freed
// with the request's pool, after the log phase. An internal redirect starts a new
// RequestCtx, hence a new ngx.ctx, as in OpenResty.
#include "http/api/api.hpp"

using namespace nlf;
using namespace nlf::http;

// The run without a request that Lua code belongs to now (core::requestless_run), as
// a number (tokens stay far below 2^53); 0 where there is none (init_by_lua).
NLF_API double nlf_ffi_requestless_run(void) noexcept {
    return static_cast<double>(core::requestless_run);
}

// The request's slot, or LUA_NOREF before it has a table. No SSL phase runs Lua
// here, so there is never an SSL-phase table to inherit.
NLF_API int ngx_http_lua_ffi_get_ctx_ref(ngx_http_request_t *r, int *in_ssl_phase, int *ssl_ctx_ref) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    if (in_ssl_phase) *in_ssl_phase = 0;
    if (ssl_ctx_ref) *ssl_ctx_ref = LUA_NOREF;
    return ctx->ctx_ref;
}

NLF_API int ngx_http_lua_ffi_set_ctx_ref(ngx_http_request_t *r, int ref) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    ctx->ctx_ref = ref;
    return NGX_OK;
}
