// ngx.say, ngx.print, ngx.flush, ngx.eof, ngx.send_headers.
#include "http/api/api.hpp"
#include "http/module.hpp"
#include "http/output.hpp"

namespace nlf::http {

namespace {

constexpr const char *filter_error = "nginx output filter error";

// Resumes the coroutine that waits in ngx.flush(true) once nginx has written
// everything it buffered, or the send timeout expires.
void on_flush_writable(ngx_http_request_t *r) {
    RequestCtx *ctx = RequestCtx::get(r);
    ngx_connection_t *c = r->connection;
    ngx_event_t *wev = c->write;
    if (ctx == nullptr || ctx->waiting() != core::Wait::io) return;
    if (wev->timedout) {
        wev->timedout = 0;
        c->timedout = 1;
        ctx->wait_rc = NGX_ERROR;
        ctx->wait_error = "timeout";
    } else {
        if (wev->timer_set) {
            ngx_del_timer(wev);
        }
        ngx_int_t rc = ngx_http_output_filter(r, nullptr);
        if (rc == NGX_ERROR) {
            ctx->wait_rc = NGX_ERROR;
            ctx->wait_error = filter_error;
        } else if (c->buffered & NGX_LOWLEVEL_BUFFERED) {
            auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
                ngx_http_get_module_loc_conf(r, ngx_http_core_module));
            ngx_add_timer(wev, clcf->send_timeout);
            if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
                ctx->wait_rc = NGX_ERROR;
                ctx->wait_error = filter_error;
            } else {
                return;
            }
        } else {
            ctx->wait_rc = NGX_OK;
        }
    }
    r->write_event_handler = ngx_http_request_empty_handler;
    ctx->clear_wait();
    ctx->wake();
}

}  // namespace

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

NLF_API int nlf_ffi_output(ngx_http_request_t *r, const void *data, size_t len, int newline,
                           const char **err) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    if (ctx->eof) {
        *err = "seen eof";
        return NGX_ERROR;
    }
    ngx_int_t rc = send_body(*ctx, {static_cast<const char *>(data), len}, newline != 0);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    return NGX_OK;
}

NLF_API int nlf_ffi_send_headers(ngx_http_request_t *r, const char **err) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    ngx_int_t rc = send_header_if_needed(*ctx);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    return NGX_OK;
}

NLF_API int nlf_ffi_eof(ngx_http_request_t *r, const char **err) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    if (ctx->eof) return NGX_OK;
    ngx_int_t rc = send_eof(*ctx);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    return NGX_OK;
}

// Returns NGX_AGAIN when `wait` is set and output is still buffered: the caller
// yields and then collects the outcome with nlf_ffi_wait_result.
NLF_API int nlf_ffi_flush(ngx_http_request_t *r, int wait, const char **err) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    if (ctx->eof) {
        *err = "seen eof";
        return NGX_ERROR;
    }
    if (!r->header_sent || r->header_only) return NGX_OK;
    ngx_int_t rc = ngx_http_send_special(r, NGX_HTTP_FLUSH);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    ngx_connection_t *c = r->connection;
    if (!wait || !(c->buffered & NGX_LOWLEVEL_BUFFERED)) return NGX_OK;
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    ngx_add_timer(c->write, clcf->send_timeout);
    if (ngx_handle_write_event(c->write, clcf->send_lowat) != NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    ctx->start_io_wait();
    ctx->wait_rc = NGX_OK;
    ctx->wait_error = nullptr;
    r->write_event_handler = on_flush_writable;
    return NGX_AGAIN;
}

NLF_API int nlf_ffi_wait_result(ngx_http_request_t *r, const char **err) noexcept {
    RequestCtx *ctx = r ? RequestCtx::get(r) : nullptr;
    if (ctx == nullptr) return kNoRequest;
    *err = ctx->wait_error;
    return static_cast<int>(ctx->wait_rc);
}
