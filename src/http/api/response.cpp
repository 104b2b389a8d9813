// ngx.status and ngx.headers_sent (the response area; ngx.header joins later).
#include "http/api/api.hpp"

using namespace nlf;
using namespace nlf::http;

NLF_API int ngx_http_lua_ffi_get_resp_status(ngx_http_request_t *r) noexcept {
    if (r == nullptr || RequestCtx::get(r) == nullptr) return kNoRequest;
    if (r->err_status) return static_cast<int>(r->err_status);
    if (r->headers_out.status) return static_cast<int>(r->headers_out.status);
    // HTTP/0.9 requests have no status line; OpenResty reports 9.
    return r->http_version == NGX_HTTP_VERSION_9 ? 9 : 0;
}

NLF_API int ngx_http_lua_ffi_set_resp_status(ngx_http_request_t *r, int status) noexcept {
    if (r == nullptr || RequestCtx::get(r) == nullptr) return kNoRequest;
    if (status < 100 || status > 999) return NGX_ERROR;
    if (r->header_sent) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "attempt to set ngx.status after sending out response headers");
        return NGX_DECLINED;
    }
    r->headers_out.status = status;
    r->err_status = 0;
    // A status line nginx does not know must be generated from the number.
    r->headers_out.status_line.len = 0;
    return NGX_OK;
}

NLF_API int ngx_http_lua_ffi_headers_sent(ngx_http_request_t *r) noexcept {
    if (r == nullptr || RequestCtx::get(r) == nullptr) return kNoRequest;
    return r->header_sent ? 1 : 0;
}
