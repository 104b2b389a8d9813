// ngx.log and print write through these; ngx.errlog.raw_log binds them too.
#include "http/api/api.hpp"

#include "core/context.hpp"

using namespace nlf;
using namespace nlf::http;

namespace {

// OpenResty's lines from a timer, init_worker_by_lua* and exit_worker_by_lua* end
// with the context (", context: ngx.timer"); init_by_lua*'s do not.
u_char *append_requestless_context(ngx_log_t *, u_char *buf, size_t len) {
    return ngx_snprintf(buf, len, ", context: %s", core::context_directive(core::requestless_context));
}

ngx_log_t *log_of(ngx_http_request_t *r) {
    if (r != nullptr) return r->connection->log;
    ngx_log_t *log = core::active_cycle()->log;
    if (core::requestless_context == core::ctx_init) return log;
    // A copy of the head of the cycle's log chain: nginx calls the head's handler once
    // per line, whichever logs of the chain then write it.
    static ngx_log_t with_context;
    with_context = *log;
    with_context.handler = append_requestless_context;
    with_context.data = nullptr;
    return &with_context;
}

}  // namespace

// `error_log ... debug` sets every debug bit: reported as the debug level, as OpenResty.
NLF_API int ngx_http_lua_ffi_errlog_get_sys_filter_level(ngx_http_request_t *r) noexcept {
    const ngx_uint_t level = log_of(r)->log_level;
    return static_cast<int>(level > NGX_LOG_DEBUG ? NGX_LOG_DEBUG : level);
}


NLF_API int ngx_http_lua_ffi_raw_log(ngx_http_request_t *r, int level, const unsigned char *s,
                                     size_t s_len) noexcept {
    if (level > NGX_LOG_DEBUG || level < NGX_LOG_STDERR) return NGX_ERROR;
    ngx_log_error(static_cast<ngx_uint_t>(level), log_of(r), 0, "%*s", s_len, s);
    return NGX_OK;
}
