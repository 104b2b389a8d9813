#pragma once
#include "ngx_http.hpp"

#include "core/context.hpp"
#include "core/scheduler.hpp"
#include "http/module.hpp"

namespace nlf::http {

struct BalancerPeer;

// The registry field that holds the ngx.ctx tables of all requests (OpenResty's name:
// some libraries reach it).
inline constexpr char ctx_tables_key[] = "ngx_lua_ctx_tables";

// The module's state for one request: the owner of the threads of the phase that runs
// Lua (core::Owner), and the output state the ngx.* API shares.
class RequestCtx final : public core::Owner {
public:
    static RequestCtx *get(ngx_http_request_t *r) noexcept {
        return static_cast<RequestCtx *>(ngx_http_get_module_ctx(r, ngx_http_lua_ffi_module));
    }
    static RequestCtx *get_or_create(ngx_http_request_t *r) noexcept;

    // Drops the phase's threads and their waits; safe to call more than once.
    void release() noexcept;

    // Lets ngx.on_abort's callback go.
    void drop_on_abort() noexcept;

    // Lets the ngx.ctx table go. Runs with the request's pool, after the log phase.
    void drop_ctx_table() noexcept;

    // ngx.exit & co: the handler ends with `code` (threads: once control is back in
    // the loop; the synchronous phases: when their code yields).
    void end_handler(ngx_int_t code) noexcept {
        exit_code = code;
        if (context & core::ctx_yieldable) {
            request_exit();
        } else {
            exited = true;
        }
    }

    ngx_log_t *log() const noexcept override { return r->connection->log; }
    bool may_wait() const noexcept override { return (context & core::ctx_yieldable) != 0; }

    ngx_http_request_t *const r;
    unsigned context = 0;      // where Lua runs now (core::Context bit)
    unsigned entered = 0;      // phase whose threads are live or have just finished
    bool suspended = false;    // the phase handler returned NGX_DONE; we hold a r->main->count
    bool phase_done = false;   // a suspended rewrite/access handler has finished
    ngx_int_t phase_rc = NGX_DECLINED;
    bool exited = false;       // ngx.exit in a synchronous phase (header filter)
    ngx_int_t exit_code = NGX_OK;
    // ngx.exec's target: the handler ends in an internal redirect.
    ngx_str_t exec_uri{0, nullptr};
    ngx_str_t exec_args{0, nullptr};
    int on_abort_ref = LUA_NOREF;  // ngx.on_abort's callback, in the registry
    bool eof = false;          // the last buffer was sent
    int ctx_ref = LUA_NOREF;   // ngx.ctx: its slot in the registry's ngx_lua_ctx_tables
    bool mime_set = false;     // Lua set or cleared Content-Type: no default type then
    BalancerPeer *balancer = nullptr;  // the try balancer_by_lua* runs for, while it runs

    // Output buffers recycled between ngx.say calls (ngx_chain_update_chains).
    ngx_chain_t *free_bufs = nullptr;
    ngx_chain_t *busy_bufs = nullptr;
    // Body output smaller than postpone_output, which nginx's write filter would hold
    // anyway: kept here until more comes, a flush, the end of the response or a wait,
    // so that a short response and its end go down the filter chain in one pass.
    ngx_chain_t *held_out = nullptr;
    ngx_chain_t *held_last = nullptr;
    size_t held_size = 0;

    // body_filter_by_lua's view of the chain being filtered (ngx.arg[1], ngx.arg[2]),
    // and the replacement the Lua code made, if any.
    ngx_chain_t *filter_in = nullptr;
    bool filter_eof = false;
    bool filter_body_set = false;
    ngx_chain_t *filter_out = nullptr;
    bool filter_done = false;  // the Lua code set ngx.arg[2]: drop what comes later
    ngx_chain_t *filter_free = nullptr;
    ngx_chain_t *filter_busy = nullptr;

    // set_by_lua*'s arguments (ngx.arg[n]) while its code runs.
    const ngx_str_t *set_args = nullptr;
    ngx_uint_t set_nargs = 0;

    // The request body is being read: by ngx.req.read_body (reading_body), or for
    // lua_need_request_body before the handler runs (body_before_handler: its phase
    // handler returned NGX_DONE and runs again once the body is in).
    bool reading_body = false;
    bool body_before_handler = false;
    // nginx's read handler while ngx.req.read_body waits (see api/request_body.cpp).
    ngx_http_event_handler_pt nginx_body_handler = nullptr;
    // The context whose body read nginx's read handler is running now, if any: cleared
    // when that read ends or the context is released, so that the caller can tell
    // whether the request is still there after the handler returns.
    static inline RequestCtx *body_read_in_progress = nullptr;

    // The threads waiting in ngx.flush(true) and ngx.req.read_body, if any.
    core::Thread *flush_waiter = nullptr;
    core::Thread *body_waiter = nullptr;
    // Threads waiting on subrequests (ngx.location.capture*): ngx.exit may then only
    // abort (api/subrequest.cpp).
    unsigned capture_waits = 0;

    RequestCtx(ngx_http_request_t *req, core::Vm &vm, std::uintptr_t token) noexcept
        : core::Owner(vm, req, token), r(req) {}
    ~RequestCtx() override {
        release();
        drop_on_abort();
        drop_ctx_table();
    }

private:
    void enter() noexcept override { context = entered; }
    void on_finished(core::RunEnd how) noexcept override;
    void on_suspended() noexcept override;
};

}  // namespace nlf::http
