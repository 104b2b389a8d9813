// Running Lua in the request phases. Rewrite, access and content run their handler in
// the threads of the request's core::Owner, which may wait (ngx.sleep, ...): the phase
// handler then returns NGX_DONE holding a reference on the request (r->main->count),
// and RequestCtx::on_finished goes on with the request when the run ends. Log and the
// filters run synchronously.
#include "http/module.hpp"
#include "http/output.hpp"
#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

#include <malloc.h>

#include <string>

namespace nlf::http {

namespace {

// The rc that ends the request from this phase: content's rc goes to
// ngx_http_finalize_request as is; rewrite and access must not return NGX_OK, which
// access would take as "granted".
ngx_int_t end_request(const RequestCtx &ctx, ngx_int_t rc) {
    if (rc == NGX_ERROR) return NGX_ERROR;
    return ctx.entered == core::ctx_content ? rc : NGX_HTTP_OK;
}

// The handler returned, or called ngx.exit(ngx.OK). An access handler grants access
// (NGX_OK, which `satisfy any` needs); a rewrite one goes on with the phase (NGX_OK
// would end the request there).
ngx_int_t finish_normally(RequestCtx &ctx) {
    // Once a rewrite/access handler has sent output, later phases must not respond.
    if (ctx.entered == core::ctx_content || ctx.r->header_sent) {
        return end_request(ctx, ctx.eof ? NGX_OK : send_eof(ctx));
    }
    return ctx.entered == core::ctx_access ? NGX_OK : NGX_DECLINED;
}

ngx_int_t finish_exit(RequestCtx &ctx) {
    if (ctx.exec_uri.len) return NGX_DONE;  // see redirect_internally
    const ngx_int_t code = ctx.exit_code;
    switch (code) {
    case NGX_OK: return finish_normally(ctx);
    // The handler takes no part: access leaves the decision to the other modules,
    // content to the next content handler (static files, ...).
    case NGX_DECLINED: return ctx.r->header_sent ? finish_normally(ctx) : NGX_DECLINED;
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
    // The new location's handlers get nginx's own body reading back.
    stop_watching_body_read(ctx);
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

// The rc of a handler whose entry thread failed (logged by the loop).
ngx_int_t fail(const RequestCtx &ctx) {
    return ctx.r->header_sent ? NGX_ERROR : NGX_HTTP_INTERNAL_SERVER_ERROR;
}

// ngx.on_abort's callback runs as a light thread of the run; it may end the request.
void run_on_abort(RequestCtx &ctx) {
    lua_State *L = ctx.vm.L();
    core::StackGuard guard(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.on_abort_ref);
    ctx.drop_on_abort();
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, -2);
    lua_xmove(L, co, 1);
    if (ctx.spawn(L, co, 0) == nullptr) {
        ngx_log_error(NGX_LOG_ALERT, ctx.r->connection->log, 0, "lua: no memory for the ngx.on_abort thread");
    }
}

// lua_check_client_abort: the client closed its side while the handler runs. With a
// callback of ngx.on_abort, that runs; otherwise the request ends (499).
void check_client_abort(ngx_http_request_t *r) {
    ngx_connection_t *c = r->connection;
    ngx_err_t err = 0;
#if (NGX_HTTP_V2)
    // A stream's connection is nginx's stand-in: it marks it when the client resets
    // the stream or closes the connection.
    if (r->stream != nullptr) {
        if (!c->error) return;
    } else
#endif
    {
        char probe;
        const ssize_t n = recv(c->fd, &probe, 1, MSG_PEEK);
        if (n > 0) return;
        if (n == -1) {
            err = ngx_socket_errno;
            if (err == NGX_EAGAIN) return;
        }
        c->read->eof = 1;
        c->error = 1;
    }
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr || !ctx->suspended) return;
    ngx_log_error(NGX_LOG_INFO, c->log, err, "client prematurely closed connection");
    r->read_event_handler = ngx_http_block_reading;
    if (ctx->on_abort_ref != LUA_NOREF) {
        run_on_abort(*ctx);
        return;
    }
    ctx->release();
    ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
}

bool watches_client_abort(ngx_http_request_t *r) {
    return r->read_event_handler == check_client_abort;
}

}  // namespace

void watch_client_abort(ngx_http_request_t *r) {
    if (loc_conf(r)->check_client_abort && r == r->main) r->read_event_handler = check_client_abort;
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
    lua_State *co = ctx->begin();
    if (!push_lua_code(ctx->vm, code, llcf->code_cache, r->connection->log, r, co)) {
        ctx->abandon();
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ctx->entered = phase;
    ctx->context = phase;
    ctx->exit_code = NGX_OK;
    watch_client_abort(r);
    ctx->run(0);
    if (ctx->running()) {
        ctx->suspended = true;
        r->main->count++;
        // Unless a wait took the write events (ngx.flush(true)).
        if (phase != core::ctx_content && r->write_event_handler == ngx_http_core_run_phases) {
            r->write_event_handler = ngx_http_request_empty_handler;
        }
        return NGX_DONE;
    }
    if (ctx->exec_uri.len) return redirect_internally(*ctx, phase != core::ctx_content);
    return ctx->phase_rc;
}

}  // namespace

void RequestCtx::on_finished(core::RunEnd how) noexcept {
    ngx_int_t rc = NGX_OK;
    switch (how) {
    case core::RunEnd::finished: rc = finish_normally(*this); break;
    case core::RunEnd::exited: rc = finish_exit(*this); break;
    case core::RunEnd::failed: rc = fail(*this); break;
    }
    if (watches_client_abort(r)) r->read_event_handler = ngx_http_block_reading;
    if (!suspended) {
        // Within run_entry, which returns it.
        phase_rc = rc;
        return;
    }
    suspended = false;
    ngx_connection_t *c = r->connection;
    const unsigned phase = entered;
    if (exec_uri.len) {
        entered = 0;
        // What we held while the rewrite/access handler waited (content gave it back
        // when its handler returned NGX_DONE).
        if (phase != core::ctx_content) r->main->count--;
        redirect_internally(*this, true);
    } else if (phase == core::ctx_content) {
        entered = 0;
        ngx_http_finalize_request(r, rc);
    } else {
        // Let nginx run the phase again: run_entry hands it phase_rc.
        phase_done = true;
        phase_rc = rc;
        r->main->count--;
        r->write_event_handler = ngx_http_core_run_phases;
        ngx_http_core_run_phases(r);
    }
    ngx_http_run_posted_requests(c);
}

void RequestCtx::on_suspended() noexcept {
    // While the run waits, nginx alone decides when held output goes out. A failed
    // write marks the connection; the next output call or the request's end reports it.
    if (held_out != nullptr) send_held(*this, 0);
    if (suspended) ngx_http_run_posted_requests(r->connection);
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
    core::Vm &vm = ctx.vm;
    lua_State *L = vm.L();
    if (!push_lua_code(vm, code, loc_conf(r)->code_cache, r->connection->log, r, co)) return SyncStatus::failed;
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
        core::guarded(r->connection->log, 0, [&] {
            const std::string error = core::error_with_traceback(L, co);
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "failed to run %s: %s", core::context_directive(context),
                          error.c_str());
            return 0;
        });
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
