// ngx.timer.at / every: Lua callbacks run from nginx's event loop, in coroutines of
// their own, without a request (context "timer").
#pragma once
#include "ngx.hpp"

#include "core/lua_vm.hpp"
#include "core/scheduler.hpp"

namespace nlf::api::timer {

struct Limits {
    ngx_uint_t max_pending = 1024;  // lua_max_pending_timers
    ngx_uint_t max_running = 256;   // lua_max_running_timers
};

// The "nlf.capi" function resty.core.timer hands its runner to: run(id, premature,
// keep) calls the callback stored under `id` and forgets it unless `keep`.
int set_runner_capi(lua_State *L);

// At worker start: timers run in `vm`'s threads, within `limits`. The pending ones fire
// early ("premature") when the worker starts to shut down.
void start(core::Vm &vm, const Limits &limits) noexcept;

// The thread of the timer's run that runs now (code without a request that may wait),
// or null.
core::Thread *running() noexcept;

}  // namespace nlf::api::timer
