// ngx.exit, ngx.redirect and ngx.exec: record what is to happen; the Lua side then
// yields and the phase handler finishes the request or redirects it (see finish_exit
// and redirect_internally in phases.cpp).
#include "http/api/api.hpp"

#include <cstring>

using namespace nlf;
using namespace nlf::http;

namespace {

bool valid_exit_status(int status) {
    return status == NGX_OK || status == NGX_ERROR || status == NGX_DECLINED ||
           (status >= 100 && status <= 999);
}

}  // namespace

NLF_API int ngx_http_lua_ffi_exit(ngx_http_request_t *r, int status, unsigned char *err,
                                  size_t *errlen) noexcept {
    int rc;
    RequestCtx *ctx = api_ctx(r, output_contexts | core::ctx_header_filter | core::ctx_balancer, rc);
    if (ctx == nullptr) return rc;
    if (status == NGX_AGAIN || status == NGX_DONE) {
        core::set_ffi_error(err, errlen, "bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE");
        return NGX_ERROR;
    }
    if (!valid_exit_status(status)) {
        core::set_ffi_error(err, errlen, "bad argument to 'ngx.exit': invalid status code");
        return NGX_ERROR;
    }
    // nginx cannot abort a running subrequest: only the statuses that end the whole
    // request may leave some behind.
    if (ctx->capture_waits != 0 && status != NGX_ERROR && status != NGX_HTTP_CLOSE &&
        status != NGX_HTTP_REQUEST_TIME_OUT && status != NGX_HTTP_CLIENT_CLOSED_REQUEST) {
        core::set_ffi_error(err, errlen, "attempt to abort with pending subrequests");
        return NGX_ERROR;
    }
    if (r->header_sent && status >= NGX_HTTP_SPECIAL_RESPONSE && status != NGX_HTTP_CLOSE &&
        static_cast<ngx_uint_t>(status) != r->headers_out.status) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "attempt to set status %d via ngx.exit after sending out the response status %ui",
                      status, r->headers_out.status);
    }
    ctx->end_handler(status);
    return NGX_OK;
}

// ngx.redirect: the Location field and the status (one of the redirections, checked by
// the Lua side), then the handler ends as with ngx.exit(status). Returns NGX_ERROR with
// a message in `err` for a call OpenResty refuses.
NLF_API int nlf_ffi_redirect(ngx_http_request_t *r, const unsigned char *uri, size_t len, int status,
                             unsigned char *err, size_t *errlen) noexcept {
    int rc;
    RequestCtx *ctx = api_ctx(r, output_contexts, rc);
    if (ctx == nullptr) return rc;
    if (r->header_sent) {
        core::set_ffi_error(err, errlen, "attempt to call ngx.redirect after sending out the headers");
        return NGX_ERROR;
    }
    const std::string_view target{reinterpret_cast<const char *>(uri), len};
    if (refuse_unsafe_uri(target, "redirect uri", "", reinterpret_cast<char *>(err), errlen)) return NGX_ERROR;
    if (!set_redirect_location(r, *ctx, target)) {
        core::set_ffi_error(err, errlen, "no memory");
        return NGX_ERROR;
    }
    r->headers_out.status = static_cast<ngx_uint_t>(status);
    ctx->end_handler(status);
    return NGX_OK;
}

namespace {

bool copy_to_pool(ngx_pool_t *pool, const unsigned char *data, size_t len, ngx_str_t &out) noexcept {
    out.len = len;
    out.data = static_cast<u_char *>(ngx_pnalloc(pool, len ? len : 1));
    if (out.data == nullptr) return false;
    if (len) std::memcpy(out.data, data, len);
    return true;
}

}  // namespace

// ngx.exec: checks the URI as nginx checks one it redirects to (its own query string
// split off and put before `args`), then the handler ends in an internal redirect.
// Returns NGX_ERROR with a message in `err` for a call OpenResty refuses.
NLF_API int nlf_ffi_exec(ngx_http_request_t *r, const unsigned char *uri, size_t len, const unsigned char *args,
                         size_t args_len, unsigned char *err, size_t *errlen) noexcept {
    int rc;
    RequestCtx *ctx = api_ctx(r, output_contexts, rc);
    if (ctx == nullptr) return rc;
    ngx_str_t target;
    ngx_str_t query{0, nullptr};
    ngx_str_t extra;
    if (!copy_to_pool(r->pool, uri, len, target) || !copy_to_pool(r->pool, args, args_len, extra)) {
        core::set_ffi_error(err, errlen, "no memory");
        return NGX_ERROR;
    }
    ngx_uint_t flags = NGX_HTTP_LOG_UNSAFE;
    if (ngx_http_parse_unsafe_uri(r, &target, &query, &flags) != NGX_OK) {
        core::set_ffi_error(err, errlen, "unsafe uri");
        return NGX_ERROR;
    }
    if (extra.len) {
        if (query.len == 0) {
            query = extra;
        } else {
            auto *joined = static_cast<u_char *>(ngx_pnalloc(r->pool, query.len + 1 + extra.len));
            if (joined == nullptr) {
                core::set_ffi_error(err, errlen, "no memory");
                return NGX_ERROR;
            }
            u_char *p = ngx_cpymem(joined, query.data, query.len);
            *p++ = '&';
            ngx_memcpy(p, extra.data, extra.len);
            query = {query.len + 1 + extra.len, joined};
        }
    }
    if (r->header_sent) {
        core::set_ffi_error(err, errlen, "attempt to call ngx.exec after sending out response headers");
        return NGX_ERROR;
    }
    ctx->exec_uri = target;
    ctx->exec_args = query;
    ctx->end_handler(NGX_DONE);
    return NGX_OK;
}
