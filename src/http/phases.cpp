// Running Lua in the request phases. Rewrite, access and content run their handler
// in an entry coroutine that may wait (ngx.sleep, ...): the handler then returns
// NGX_DONE holding a reference on the request (r->main->count), and RequestCtx::wake
// resumes the coroutine when the wait ends. Log runs synchronously.
#include "http/module.hpp"
#include "http/output.hpp"
#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

#include <malloc.h>

#include <string>

namespace nlf::http {

namespace {

struct Outcome {
    bool suspended;
    ngx_int_t rc;  // what the phase handler (or finalization) should see when done
};

// The rc that ends the request from this phase: content's rc goes to
// ngx_http_finalize_request as is; rewrite and access must not return NGX_OK, which
// access would take as "granted".
ngx_int_t end_request(const RequestCtx &ctx, ngx_int_t rc) {
    if (rc == NGX_ERROR) return NGX_ERROR;
    return ctx.entered == core::ctx_content ? rc : NGX_HTTP_OK;
}

// The handler returned, or called ngx.exit(ngx.OK).
ngx_int_t finish_normally(RequestCtx &ctx) {
    // Once a rewrite/access handler has sent output, later phases must not respond.
    if (ctx.entered == core::ctx_content || ctx.r->header_sent) {
        return end_request(ctx, ctx.eof ? NGX_OK : send_eof(ctx));
    }
    return NGX_DECLINED;
}

ngx_int_t finish_exit(RequestCtx &ctx) {
    if (ctx.exec_uri.len) return NGX_DONE;  // see redirect_internally
    const ngx_int_t code = ctx.exit_code;
    switch (code) {
    case NGX_OK:
    case NGX_DECLINED: return finish_normally(ctx);
    case NGX_ERROR:
    case NGX_HTTP_CLOSE: return code;
    default: break;
    }
    // A 2xx status, or any status once the header is out (ngx.exit logged that one):
    // finish the response ourselves. Other statuses get nginx's special response.
    if (code < NGX_HTTP_SPECIAL_RESPONSE || ctx.r->header_sent) {
        if (!ctx.r->header_sent) ctx.r->headers_out.status = code;
        return end_request(ctx, ctx.eof ? NGX_OK : send_eof(ctx));
    }
    return code;
}

// ngx.exec, once the entry coroutine is gone: the request starts over at the new URI
// (or named location), running that location's phases before this returns. nginx's
// redirect takes a reference on the request (r->main->count) that the finalization
// with NGX_DONE after it gives back, whatever happened: the content phase makes that
// finalization itself with what its handler returns, other callers make it here.
ngx_int_t redirect_internally(RequestCtx &ctx, bool finalize) {
    ngx_http_request_t *r = ctx.r;
    ngx_str_t uri = ctx.exec_uri;
    ngx_str_t args = ctx.exec_args;
    ctx.exec_uri = {0, nullptr};
    if (uri.data[0] == '@') {
        if (args.len) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "query strings %V ignored when exec'ing named location %V", &args, &uri);
        }
        ngx_http_named_location(r, &uri);
    } else {
        ngx_http_internal_redirect(r, &uri, &args);
    }
    if (finalize) ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}

void log_failure(ngx_log_t *log, unsigned context, lua_State *L, lua_State *co) {
    core::guarded(log, 0, [&] {
        std::string error = core::error_with_traceback(L, co);
        ngx_log_error(NGX_LOG_ERR, log, 0, "failed to run %s: %s", core::context_directive(context),
                      error.c_str());
        return 0;
    });
}

ngx_int_t fail(RequestCtx &ctx, core::Vm &vm) {
    log_failure(ctx.r->connection->log, ctx.context, vm.L(), ctx.co);
    return ctx.r->header_sent ? NGX_ERROR : NGX_HTTP_INTERNAL_SERVER_ERROR;
}

Outcome step(RequestCtx &ctx) {
    core::Vm &vm = *main_conf(ctx.r)->vm;
    switch (core::resume(ctx.co, 0)) {
    case core::RunStatus::finished: return {false, finish_normally(ctx)};
    case core::RunStatus::yielded:
        if (ctx.exited) return {false, finish_exit(ctx)};
        // A bare coroutine.yield() of the entry coroutine: give the event loop a turn.
        if (ctx.waiting() == core::Wait::none) ctx.start_yield(ctx.r->connection->log);
        return {true, NGX_DONE};
    case core::RunStatus::failed: break;
    }
    return {false, fail(ctx, vm)};
}

// An HTTP/2 stream shares its connection: peeking at the socket says nothing about it.
bool watches_own_connection(ngx_http_request_t *r) {
#if (NGX_HTTP_V2)
    if (r->stream != nullptr) return false;
#endif
    return r == r->main;
}

// lua_check_client_abort: the client closing its side ends a waiting handler.
void check_client_abort(ngx_http_request_t *r) {
    ngx_connection_t *c = r->connection;
    char probe;
    ssize_t n = recv(c->fd, &probe, 1, MSG_PEEK);
    if (n > 0 || (n == -1 && ngx_socket_errno == NGX_EAGAIN)) return;
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr || !ctx->suspended) return;
    ngx_log_error(NGX_LOG_INFO, c->log, ngx_socket_errno, "client prematurely closed connection");
    ctx->release();
    ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
}

}  // namespace

void watch_client_abort(ngx_http_request_t *r) {
    if (loc_conf(r)->check_client_abort && watches_own_connection(r)) r->read_event_handler = check_client_abort;
}

namespace {

// lua_need_request_body: the body is in. Read at once, the handler goes on by itself;
// otherwise the phase runs again (content: the handler is called again), which finds
// the body read. nginx's hold on the request for the read ends here; while it waited,
// content's came back when its handler returned NGX_DONE.
void body_read_before_handler(ngx_http_request_t *r) {
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr || !ctx->body_before_handler) {
        r->main->count--;
        return;
    }
    end_body_read(*ctx);
    ctx->body_before_handler = false;
    if (ctx->context == core::ctx_content) {
        ngx_http_finalize_request(r, content_handler(r));
        return;
    }
    r->main->count--;
    // nginx set an empty write handler while the body arrived; a subrequest's end
    // (auth_request) goes on through this one.
    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}

// lua_need_request_body for `phase`: NGX_OK once the body is in, NGX_DONE while nginx
// reads it, or the error status to end the request with.
ngx_int_t read_body_first(RequestCtx &ctx, unsigned phase) {
    ngx_http_request_t *r = ctx.r;
    prepare_body_read(r);
    ctx.context = phase;  // which handler to call again, for content
    const ngx_int_t rc = ngx_http_read_client_request_body(r, body_read_before_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) return rc;
    if (rc == NGX_AGAIN) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "lua_need_request_body: waiting for the rest");
        ctx.body_before_handler = true;
        watch_body_read(ctx);
        if (phase != core::ctx_content) r->write_event_handler = ngx_http_request_empty_handler;
        return NGX_DONE;
    }
    return NGX_OK;
}

// The entry coroutine is done: drop it and stop watching for client aborts.
void end_entry(RequestCtx &ctx) {
    ctx.release();
    if (ctx.r->read_event_handler == check_client_abort) {
        ctx.r->read_event_handler = ngx_http_block_reading;
    }
}

ngx_int_t run_entry(ngx_http_request_t *r, unsigned phase, const LuaCode &code) {
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
    if (ctx->entered == phase) {
        // nginx ran the phase again while we wait (a stray write event): keep waiting.
        if (ctx->suspended) return NGX_DONE;
        if (ctx->phase_done) {
            ctx->entered = 0;
            ctx->phase_done = false;
            return ctx->phase_rc;
        }
    }
    LocConf *llcf = loc_conf(r);
    if (llcf->need_request_body) {
        const ngx_int_t rc = read_body_first(*ctx, phase);
        if (rc != NGX_OK) return rc;
    }
    core::Vm &vm = *main_conf(r)->vm;
    lua_State *L = vm.L();
    core::StackGuard guard(L);
    if (!push_lua_code(vm, code, llcf->code_cache, r->connection->log, r)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    core::Vm::Thread thread = vm.acquire_thread();
    lua_State *co = thread.co;
    ctx->co_ref = thread.ref;
    lua_xmove(L, co, 1);
    core::set_coroutine_owner(co, r, ctx->token);
    ctx->co = co;
    ctx->entered = phase;
    ctx->context = phase;
    ctx->exited = false;
    ctx->exit_code = NGX_OK;
    watch_client_abort(r);

    Outcome out = step(*ctx);
    if (out.suspended) {
        ctx->suspended = true;
        r->main->count++;
        if (phase != core::ctx_content) r->write_event_handler = ngx_http_request_empty_handler;
        return NGX_DONE;
    }
    end_entry(*ctx);
    if (ctx->exec_uri.len) return redirect_internally(*ctx, phase != core::ctx_content);
    return out.rc;
}

}  // namespace

void RequestCtx::wake() noexcept {
    ngx_connection_t *c = r->connection;
    Outcome out = step(*this);
    if (out.suspended) {
        ngx_http_run_posted_requests(c);
        return;
    }
    const unsigned phase = entered;
    end_entry(*this);
    if (exec_uri.len) {
        entered = 0;
        // What we held while the rewrite/access handler waited (content gave it back
        // when its handler returned NGX_DONE).
        if (phase != core::ctx_content) r->main->count--;
        redirect_internally(*this, true);
    } else if (phase == core::ctx_content) {
        entered = 0;
        ngx_http_finalize_request(r, out.rc);
    } else {
        // Let nginx run the phase again: run_entry hands it phase_rc.
        phase_done = true;
        phase_rc = out.rc;
        r->main->count--;
        r->write_event_handler = ngx_http_core_run_phases;
        ngx_http_core_run_phases(r);
    }
    ngx_http_run_posted_requests(c);
}

ngx_int_t server_rewrite_handler(ngx_http_request_t *r) {
    LocConf *llcf = loc_conf(r);
    return llcf->server_rewrite.is_set() ? run_entry(r, core::ctx_server_rewrite, llcf->server_rewrite)
                                         : NGX_DECLINED;
}

ngx_int_t rewrite_handler(ngx_http_request_t *r) {
    LocConf *llcf = loc_conf(r);
    return llcf->rewrite.is_set() ? run_entry(r, core::ctx_rewrite, llcf->rewrite) : NGX_DECLINED;
}

ngx_int_t access_handler(ngx_http_request_t *r) {
    LocConf *llcf = loc_conf(r);
    return llcf->access.is_set() ? run_entry(r, core::ctx_access, llcf->access) : NGX_DECLINED;
}

ngx_int_t content_handler(ngx_http_request_t *r) {
    return run_entry(r, core::ctx_content, loc_conf(r)->content);
}

SyncStatus run_sync(RequestCtx &ctx, const LuaCode &code, unsigned context, lua_State *co) {
    ngx_http_request_t *r = ctx.r;
    core::Vm &vm = *main_conf(r)->vm;
    lua_State *L = vm.L();
    core::StackGuard guard(L);
    if (!push_lua_code(vm, code, loc_conf(r)->code_cache, r->connection->log, r)) return SyncStatus::failed;
    lua_xmove(L, co, 1);
    core::set_coroutine_owner(co, r, ctx.token);
    const unsigned saved_context = ctx.context;
    const bool saved_exited = ctx.exited;
    ctx.context = context;
    ctx.exited = false;
    SyncStatus status = SyncStatus::done;
    switch (core::resume(co, 0)) {
    case core::RunStatus::finished: break;
    case core::RunStatus::yielded:
        if (ctx.exited) {
            status = SyncStatus::exited;
            break;
        }
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "failed to run %s: attempt to yield in %s",
                      core::context_directive(context), core::context_directive(context));
        status = SyncStatus::failed;
        break;
    case core::RunStatus::failed:
        log_failure(r->connection->log, context, L, co);
        status = SyncStatus::failed;
        break;
    }
    ctx.context = saved_context;
    ctx.exited = saved_exited;
    return status;
}

// lua_malloc_trim: glibc keeps memory freed by the worker for reuse; every so many
// requests, what it holds at the top of its heaps goes back to the system.
void count_for_malloc_trim(ngx_http_request_t *r) {
    static ngx_int_t requests = 0;
    const ngx_int_t every = main_conf(r)->malloc_trim;
    if (every <= 0 || ++requests < every) return;
    requests = 0;
    [[maybe_unused]] const int rc = malloc_trim(1);
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "malloc_trim(1) returned %d", rc);
}

ngx_int_t log_handler(ngx_http_request_t *r) {
    count_for_malloc_trim(r);
    LocConf *llcf = loc_conf(r);
    if (!llcf->log.is_set()) return NGX_OK;
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_ERROR;
    core::ScopedThread thread(*main_conf(r)->vm);
    run_sync(*ctx, llcf->log, core::ctx_log, thread.co());
    return NGX_OK;
}

}  // namespace nlf::http
