// ngx.status (read; set in response_headers.cpp, with the status line) and ngx.headers_sent.
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

NLF_API int ngx_http_lua_ffi_headers_sent(ngx_http_request_t *r) noexcept {
    if (r == nullptr || RequestCtx::get(r) == nullptr) return kNoRequest;
    return r->header_sent ? 1 : 0;
}
