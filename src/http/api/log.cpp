// ngx.log and print write through these; ngx.errlog.raw_log binds them too.
#include "http/api/api.hpp"

#include "core/context.hpp"

using namespace nlf;
using namespace nlf::http;

namespace {

ngx_log_t *log_of(ngx_http_request_t *r) {
    return r ? r->connection->log : core::active_cycle()->log;
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
