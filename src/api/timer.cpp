// ngx.timer.at / every / running_count / pending_count. The callbacks themselves are
// kept by resty.core.timer, under an id; a Timer here waits for its delay, then runs
// the Lua runner for that id in a thread of the VM, resuming it while it waits (a timer
// may ngx.sleep).
#include "api/timer.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"
#include "core/scheduler.hpp"

#include <new>
#include <string>

namespace nlf::api::timer {

namespace {

class Timer;

struct State {
    core::Vm *vm = nullptr;
    Limits limits;
    int runner_ref = LUA_NOREF;
    ngx_uint_t pending = 0;
    ngx_uint_t running = 0;
    ngx_queue_t pending_timers;  // those waiting for their delay
    // An idle connection that only stands in the worker's connections, so that nginx
    // "closes" it, as it does all idle ones, when the worker starts to shut down. Taken
    // when the worker starts: a timer never needs a connection of its own.
    ngx_connection_t *shutdown_watch = nullptr;
};

State state;

// A timer: pending until its delay has passed, then the owner of its callback's run.
class Timer final : public core::Owner {
public:
    Timer(int id, ngx_msec_t delay, bool every) noexcept
        : core::Owner(*state.vm, nullptr, core::new_owner_token()), id_(id), delay_(delay), every_(every) {}

    void arm() noexcept {
        ngx_queue_insert_tail(&state.pending_timers, &link_.queue);
        ++state.pending;
        due_.handler = on_due;
        due_.data = this;
        due_.log = ngx_cycle->log;
        if (delay_ == 0) {
            core::post_next_iteration(&due_);
        } else {
            ngx_add_timer(&due_, delay_);
        }
    }

    // The worker shuts down: the callback runs now, told so by its first argument.
    void fire_prematurely() noexcept {
        if (due_.timer_set) {
            ngx_del_timer(&due_);
        }
        if (due_.posted) {
            ngx_delete_posted_event(&due_);
        }
        fire(true);
    }

    static Timer *of(ngx_queue_t *queue) noexcept { return reinterpret_cast<Link *>(queue)->timer; }

    ngx_log_t *log() const noexcept override { return ngx_cycle->log; }

private:
    static void on_due(ngx_event_t *ev) { static_cast<Timer *>(ev->data)->fire(false); }

    void fire(bool premature) noexcept {
        ngx_queue_remove(&link_.queue);
        --state.pending;
        const bool again = every_ && !premature && !ngx_exiting;
        // As in OpenResty, the next run of an `every` timer is due from now, whatever
        // this one takes.
        if (again) {
            auto *next = new (std::nothrow) Timer(id_, delay_, true);
            if (next != nullptr) {
                next->arm();
            } else {
                ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0, "lua timer: no memory for the next run");
            }
        }
        if (state.running >= state.limits.max_running) {
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                          "lua failed to run timer: %ui lua_max_running_timers are not enough",
                          state.limits.max_running);
            forget(again);
            delete this;
            return;
        }
        ++state.running;
        lua_State *co = begin();
        lua_rawgeti(co, LUA_REGISTRYINDEX, state.runner_ref);
        lua_pushinteger(co, id_);
        lua_pushboolean(co, premature);
        lua_pushboolean(co, again);
        lua_pushboolean(co, 0);
        run(4);
    }

    // The runner for a timer whose callback does not run: the id is let go (unless
    // `keep`: the next run of an `every` timer still needs it).
    void forget(bool keep) noexcept {
        lua_State *L = state.vm->L();
        core::StackGuard guard(L);
        lua_rawgeti(L, LUA_REGISTRYINDEX, state.runner_ref);
        lua_pushinteger(L, id_);
        lua_pushboolean(L, 0);
        lua_pushboolean(L, keep);
        lua_pushboolean(L, 1);
        if (lua_pcall(L, 4, 0, 0) != 0) {
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0, "lua timer: %s", lua_tostring(L, -1));
        }
    }

    const char *log_suffix() const noexcept override { return ", context: ngx.timer"; }

    void enter() noexcept override {
        saved_context_ = core::requestless_context;
        saved_run_ = core::requestless_run;
        core::requestless_context = core::ctx_timer;
        core::requestless_run = token;
    }

    void leave() noexcept override {
        core::requestless_context = saved_context_;
        core::requestless_run = saved_run_;
    }

    void on_finished(core::RunEnd) noexcept override {
        state.vm->forget_run_ctx(token);
        --state.running;
        delete this;
    }

    // Its place in state.pending_timers (the queue first: of() casts it back).
    struct Link {
        ngx_queue_t queue;
        Timer *timer;
    };

    ngx_event_t due_{};
    Link link_{{}, this};
    const int id_;
    const ngx_msec_t delay_;
    const bool every_;
    unsigned saved_context_ = 0;
    std::uintptr_t saved_run_ = 0;
};

// ngx_get_connection and ngx_free_connection keep ngx_cycle->files[fd] (poll, select)
// up to date: the watch, which has no file, passes them fd 0 and leaves files[0] alone.
class FilesZeroKept {
public:
    FilesZeroKept() noexcept : saved_(ngx_cycle->files ? ngx_cycle->files[0] : nullptr) {}
    ~FilesZeroKept() {
        if (ngx_cycle->files) ngx_cycle->files[0] = saved_;
    }
    FilesZeroKept(const FilesZeroKept &) = delete;
    FilesZeroKept &operator=(const FilesZeroKept &) = delete;

private:
    ngx_connection_t *saved_;
};

// The watch's read handler: the worker starts to shut down; pending timers fire now.
void on_shutdown(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    if (!c->close) return;
    {
        FilesZeroKept kept;
        c->fd = 0;
        ngx_free_connection(c);
        c->fd = static_cast<ngx_socket_t>(-1);
    }
    state.shutdown_watch = nullptr;
    // Those pending now: a callback may make timers as it runs (with a delay of 0
    // only, now), which are due as usual.
    ngx_queue_t due_now;
    ngx_queue_init(&due_now);
    if (!ngx_queue_empty(&state.pending_timers)) {
        ngx_queue_add(&due_now, &state.pending_timers);
        ngx_queue_init(&state.pending_timers);
    }
    while (!ngx_queue_empty(&due_now)) {
        Timer::of(ngx_queue_head(&due_now))->fire_prematurely();
    }
}

bool watch_shutdown() noexcept {
    ngx_connection_t *c;
    {
        FilesZeroKept kept;
        c = ngx_get_connection(0, ngx_cycle->log);
    }
    if (c == nullptr) return false;
    // Not -1, which nginx takes for a free slot, and no file it would ever touch.
    c->fd = static_cast<ngx_socket_t>(-2);
    c->idle = 1;
    c->read->handler = on_shutdown;
    c->read->data = c;
    state.shutdown_watch = c;
    return true;
}

}  // namespace

int set_runner_capi(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    state.runner_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

void start(core::Vm &vm, const Limits &limits) noexcept {
    state.vm = &vm;
    state.limits = limits;
    ngx_queue_init(&state.pending_timers);
    if (!watch_shutdown()) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "lua timer: no connection to watch for shutdown: pending timers will not run prematurely");
    }
}

core::Thread *running() noexcept {
    core::Owner *owner = core::Owner::active();
    return core::requestless_context == core::ctx_timer && owner != nullptr ? owner->current() : nullptr;
}

}  // namespace nlf::api::timer

using namespace nlf;
using namespace nlf::api::timer;

// ngx.timer.at / every: a timer for the callback resty.core.timer keeps under `id`,
// due in `delay_ms`. NGX_ERROR with the reason in *err ("process exiting", "too many
// pending timers", "no memory"); kBadContext outside a worker.
NLF_API int nlf_ffi_timer_start(long delay_ms, int every, int id, const char **err) noexcept {
    if (state.vm == nullptr || core::requestless_context == core::ctx_exit_worker) return kBadContext;
    if (ngx_exiting && delay_ms > 0) {
        *err = "process exiting";
        return NGX_ERROR;
    }
    if (state.pending >= state.limits.max_pending) {
        *err = "too many pending timers";
        return NGX_ERROR;
    }
    auto *timer = new (std::nothrow) Timer(id, static_cast<ngx_msec_t>(delay_ms), every != 0);
    if (timer == nullptr) {
        *err = "no memory";
        return NGX_ERROR;
    }
    timer->arm();
    return NGX_OK;
}

// ngx.exit in a timer's callback: the run ends once the caller yields. kBadContext
// when no timer runs.
NLF_API int nlf_ffi_timer_exit(void) noexcept {
    core::Thread *thread = running();
    if (thread == nullptr) return kBadContext;
    thread->owner.request_exit();
    return NGX_OK;
}

NLF_API int nlf_ffi_timer_count(int running) noexcept {
    return static_cast<int>(running ? state.running : state.pending);
}
