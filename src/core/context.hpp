#pragma once
#include "ngx.hpp"

#include <cstdint>

namespace nlf::core {

// Where Lua code runs, as the bits of the ABI (ngx_http_lua_ffi_get_phase). `init`
// has no bit in OpenResty's ABI (its init phase has no request); ours is internal.
enum Context : unsigned {
    ctx_set = 0x1,
    ctx_rewrite = 0x2,
    ctx_access = 0x4,
    ctx_content = 0x8,
    ctx_log = 0x10,
    ctx_header_filter = 0x20,
    ctx_body_filter = 0x40,
    ctx_timer = 0x80,
    ctx_init_worker = 0x100,
    ctx_balancer = 0x200,
    ctx_ssl_cert = 0x400,
    ctx_ssl_session_store = 0x800,
    ctx_ssl_session_fetch = 0x1000,
    ctx_exit_worker = 0x2000,
    ctx_ssl_client_hello = 0x4000,
    ctx_server_rewrite = 0x8000,
    ctx_init = 0x10000,
};

// Contexts whose code may wait (sleep, sockets): they run in a yieldable coroutine.
inline constexpr unsigned ctx_yieldable = ctx_rewrite | ctx_access | ctx_content | ctx_timer |
                                          ctx_server_rewrite;

// The context of Lua code that runs without a request (init, init_worker, timers);
// code with a request finds its context in the request.
extern unsigned requestless_context;
// The run of such code in progress (a timer's, init_worker_by_lua's, ...), by a token
// of new_owner_token(); its ngx.ctx is kept under it. 0: none (init_by_lua).
extern std::uintptr_t requestless_run;

// RAII: sets requestless_context and requestless_run for a scope.
class RequestlessContext {
public:
    explicit RequestlessContext(unsigned ctx, std::uintptr_t run = 0) noexcept
        : saved_context_(requestless_context), saved_run_(requestless_run) {
        requestless_context = ctx;
        requestless_run = run;
    }
    ~RequestlessContext() {
        requestless_context = saved_context_;
        requestless_run = saved_run_;
    }
    RequestlessContext(const RequestlessContext &) = delete;
    RequestlessContext &operator=(const RequestlessContext &) = delete;

private:
    unsigned saved_context_;
    std::uintptr_t saved_run_;
};

// The cycle Lua code belongs to: while init_by_lua runs, the one being configured
// (nginx's ngx_cycle is still the previous one then), afterwards ngx_cycle.
extern ngx_cycle_t *configuring_cycle;
inline ngx_cycle_t *active_cycle() noexcept {
    return configuring_cycle ? configuring_cycle : const_cast<ngx_cycle_t *>(ngx_cycle);
}

// "content_by_lua*", as in OpenResty's "API disabled in the context of ..." errors.
const char *context_directive(unsigned ctx) noexcept;

}  // namespace nlf::core
