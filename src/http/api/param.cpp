// ngx.arg: set_by_lua*'s arguments and body_filter_by_lua*'s chunk and end flag.
#include "http/api/api.hpp"
#include "http/filters.hpp"

#include <cstring>

using namespace nlf;
using namespace nlf::http;

namespace {

// The n-th (1-based) argument of the running set_by_lua*, or nullptr.
const ngx_str_t *setby_param(ngx_http_request_t *r, int idx) {
    RequestCtx *ctx = r ? RequestCtx::get(r) : nullptr;
    if (ctx == nullptr || ctx->context != core::ctx_set || idx < 1 ||
        static_cast<ngx_uint_t>(idx) > ctx->set_nargs) {
        return nullptr;
    }
    return &ctx->set_args[idx - 1];
}

size_t chain_size(const ngx_chain_t *in) {
    size_t size = 0;
    for (; in; in = in->next) {
        if (ngx_buf_in_memory(in->buf)) size += in->buf->last - in->buf->pos;
    }
    return size;
}

}  // namespace

NLF_API void ngx_http_lua_ffi_get_setby_param(ngx_http_request_t *r, int idx, u_char **data,
                                              size_t *len) noexcept {
    const ngx_str_t *param = setby_param(r, idx);
    *data = param ? param->data : nullptr;
    *len = param ? param->len : 0;
}

// NGX_OK with the argument, NGX_DECLINED when there is no such argument.
NLF_API int nlf_ffi_get_setby_param(ngx_http_request_t *r, int idx, const u_char **data,
                                    size_t *len) noexcept {
    const ngx_str_t *param = setby_param(r, idx);
    if (param == nullptr) return NGX_DECLINED;
    *data = param->data;
    *len = param->len;
    return NGX_OK;
}

NLF_API int ngx_http_lua_ffi_get_body_filter_param_eof(ngx_http_request_t *r) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_body_filter, status);
    if (ctx == nullptr) return status;
    return ctx->filter_eof ? 1 : 0;
}

// NGX_OK with the chunk in place when it is one buffer (or replaced); NGX_AGAIN with
// its size when it must be copied (ngx_http_lua_ffi_copy_body_filter_param_body).
NLF_API int ngx_http_lua_ffi_get_body_filter_param_body(ngx_http_request_t *r, u_char **data_p,
                                                        size_t *len_p) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_body_filter, status);
    if (ctx == nullptr) return status;
    if (ctx->filter_body_set) {
        ngx_buf_t *b = ctx->filter_out->buf;
        *data_p = b->pos;
        *len_p = b->last - b->pos;
        return NGX_OK;
    }
    const ngx_chain_t *in = filter_input(*ctx);
    *len_p = chain_size(in);
    *data_p = nullptr;
    if (*len_p == 0) return NGX_OK;
    for (; in; in = in->next) {
        if (ngx_buf_in_memory(in->buf) && in->buf->last > in->buf->pos) break;
    }
    if (static_cast<size_t>(in->buf->last - in->buf->pos) == *len_p) {
        *data_p = in->buf->pos;
        return NGX_OK;
    }
    return NGX_AGAIN;
}

NLF_API int ngx_http_lua_ffi_copy_body_filter_param_body(ngx_http_request_t *r, u_char *data) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_body_filter, status);
    if (ctx == nullptr) return status;
    for (const ngx_chain_t *in = filter_input(*ctx); in; in = in->next) {
        if (ngx_buf_in_memory(in->buf)) data = ngx_cpymem(data, in->buf->pos, in->buf->last - in->buf->pos);
    }
    return NGX_OK;
}

// ngx.arg[1] = data (the chunk) or ngx.arg[2] = flag (end of the body).
NLF_API int nlf_ffi_set_body_filter_param(ngx_http_request_t *r, int idx, const void *data, size_t len,
                                          int flag) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_body_filter, status);
    if (ctx == nullptr) return status;
    if (idx == 2) {
        // Only ending the body early is possible; the end of the body stays the end.
        if (flag) ctx->filter_eof = true;
        return NGX_OK;
    }
    if (idx != 1) return NGX_DECLINED;
    return set_filter_body(*ctx, {static_cast<const char *>(data), len}) ? NGX_OK : NGX_ERROR;
}
