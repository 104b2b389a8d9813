// ngx.say, ngx.print, ngx.flush, ngx.eof, ngx.send_headers.
#include "http/api/api.hpp"
#include "http/module.hpp"
#include "http/output.hpp"

namespace nlf::http {

namespace {

constexpr const char *filter_error = "nginx output filter error";

bool buffered(const ngx_connection_t *c) noexcept {
    return (c->buffered & (NGX_HTTP_LOWLEVEL_BUFFERED | NGX_HTTP_WRITE_BUFFERED)) != 0;
}

// Keeps nginx writing what it buffered: false when the connection cannot wait.
bool wait_writable(ngx_http_request_t *r) noexcept {
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    ngx_add_timer(r->connection->write, clcf->send_timeout);
    return ngx_handle_write_event(r->connection->write, clcf->send_lowat) == NGX_OK;
}

// The thread that waits in ngx.flush(true) goes on once nginx has written everything
// it buffered, or the send timeout expires.
void on_flush_writable(ngx_http_request_t *r) {
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr || ctx->flush_waiter == nullptr) return;
    ngx_connection_t *c = r->connection;
    ngx_event_t *wev = c->write;
    ngx_int_t rc = NGX_OK;
    const char *error = nullptr;
    if (wev->timedout) {
        wev->timedout = 0;
        c->timedout = 1;
        rc = NGX_ERROR;
        error = "timeout";
    } else {
        if (wev->timer_set) {
            ngx_del_timer(wev);
        }
        if (ngx_http_output_filter(r, nullptr) == NGX_ERROR) {
            rc = NGX_ERROR;
            // OpenResty's words when the write failed on the client's side
            error = c->error ? "client aborted" : filter_error;
        } else if (buffered(c)) {
            if (wait_writable(r)) return;
            rc = NGX_ERROR;
            error = filter_error;
        }
    }
    core::Thread *thread = ctx->flush_waiter;
    ctx->flush_waiter = nullptr;
    r->write_event_handler = ngx_http_request_empty_handler;
    thread->wait.complete(rc, error);
}

// The flushing thread's wait is dropped (request end, the thread killed).
void cancel_flush(void *data) noexcept {
    auto *ctx = static_cast<RequestCtx *>(data);
    ctx->flush_waiter = nullptr;
    ngx_http_request_t *r = ctx->r;
    if (r->write_event_handler == on_flush_writable) r->write_event_handler = ngx_http_request_empty_handler;
    if (r->connection->write->timer_set) {
        ngx_del_timer(r->connection->write);
    }
}

enum class OutputOp { body, send_headers, eof, flush };

ngx_int_t flush(RequestCtx &ctx, bool wait, const char **err) noexcept {
    ngx_http_request_t *r = ctx.r;
    if (ctx.eof) {
        *err = "seen eof";
        return NGX_ERROR;
    }
    if (!r->header_sent || r->header_only) return NGX_OK;
    ngx_int_t rc = send_held(ctx, NGX_HTTP_FLUSH);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    core::Thread *thread = ctx.current();
    if (!wait || thread == nullptr || !buffered(r->connection)) return NGX_OK;
    if (ctx.flush_waiter != nullptr) {
        *err = "another thread is flushing";
        return NGX_ERROR;
    }
    if (!wait_writable(r)) {
        *err = filter_error;
        return NGX_ERROR;
    }
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "lua flush: waiting for the output to be written");
    // The caller yields; nlf_ffi_wait_result then gives the outcome.
    thread->wait.start_io(cancel_flush, &ctx);
    ctx.flush_waiter = thread;
    r->write_event_handler = on_flush_writable;
    return NGX_AGAIN;
}

// The one implementation behind the FFI functions and output_capi. `flag` is the
// newline of ngx.say or the wait of ngx.flush.
int run_output(ngx_http_request_t *r, OutputOp op, std::string_view data, int flag, bool from_ffi,
               const char **err) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    if (from_ffi && output_runs_lua(*ctx)) return kNeedVm;
    ngx_int_t rc = NGX_OK;
    switch (op) {
    case OutputOp::body:
        if (ctx->eof) {
            *err = "seen eof";
            return NGX_ERROR;
        }
        rc = send_body(*ctx, data, flag != 0);
        break;
    case OutputOp::send_headers: rc = send_header_if_needed(*ctx); break;
    case OutputOp::eof:
        if (ctx->eof) return NGX_OK;
        rc = send_eof(*ctx);
        break;
    case OutputOp::flush: return static_cast<int>(flush(*ctx, flag != 0, err));
    }
    if (rc == NGX_ERROR || rc > NGX_OK) {
        *err = filter_error;
        return NGX_ERROR;
    }
    return NGX_OK;
}

}  // namespace

// lua_CFunction (op, data?, flag) -> status, error?: the output calls when they may run
// Lua filters. The request is the calling coroutine's.
int output_capi(lua_State *L) {
    auto *r = static_cast<ngx_http_request_t *>(lua_getexdata(L));
    const auto op = static_cast<OutputOp>(lua_tointeger(L, 1));
    size_t len = 0;
    const char *data = lua_tolstring(L, 2, &len);
    const char *err = nullptr;
    int rc = run_output(r, op, {data ? data : "", len}, static_cast<int>(lua_tointeger(L, 3)), false, &err);
    lua_pushinteger(L, rc);
    if (err != nullptr) {
        lua_pushstring(L, err);
    } else {
        lua_pushnil(L);
    }
    return 2;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

NLF_API int nlf_ffi_output(ngx_http_request_t *r, const void *data, size_t len, int newline,
                           const char **err) noexcept {
    return run_output(r, OutputOp::body, {static_cast<const char *>(data), len}, newline, true, err);
}

NLF_API int nlf_ffi_send_headers(ngx_http_request_t *r, const char **err) noexcept {
    return run_output(r, OutputOp::send_headers, {}, 0, true, err);
}

NLF_API int nlf_ffi_eof(ngx_http_request_t *r, const char **err) noexcept {
    return run_output(r, OutputOp::eof, {}, 0, true, err);
}

NLF_API int nlf_ffi_flush(ngx_http_request_t *r, int wait, const char **err) noexcept {
    return run_output(r, OutputOp::flush, {}, wait, true, err);
}

