#include "core/scheduler.hpp"

#include "core/guard.hpp"

#include <new>

namespace nlf::core {

namespace {

// Fires while events wait in ngx_posted_next_events, so that a worker that shuts down
// (it stops once no timer is left) runs them first.
ngx_event_t next_iteration_guard;

void keep_guard(ngx_event_t *ev) {
    if (!ngx_queue_empty(&ngx_posted_next_events)) ngx_add_timer(ev, 1);
}

}  // namespace

void post_next_iteration(ngx_event_t *ev) noexcept {
    ngx_post_event(ev, &ngx_posted_next_events);
    if (!next_iteration_guard.timer_set) {
        next_iteration_guard.handler = keep_guard;
        next_iteration_guard.log = ngx_cycle->log;
        next_iteration_guard.data = &next_iteration_guard;  // nginx's debug lines read it
        ngx_add_timer(&next_iteration_guard, 1);
    }
}

// ---- Wait

void Wait::on_event(ngx_event_t *ev) {
    Wait *wait = static_cast<Wait *>(ev->data);
    if (wait->kind_ == WaitKind::queue && !wait->granted_) wait->leave_queue();  // timed out
    wait->queue_owner_ = nullptr;
    wait->kind_ = WaitKind::none;
    wait->thread_.wake();
}

void Wait::arm(WaitKind kind) noexcept {
    cancel();
    event_ = ngx_event_t{};
    event_.handler = on_event;
    event_.data = this;
    event_.log = thread_.owner.log();
    kind_ = kind;
}

void Wait::start_sleep(ngx_msec_t ms) noexcept {
    arm(WaitKind::sleep);
    if (ms == 0) {
        post_next_iteration(&event_);
    } else {
        ngx_add_timer(&event_, ms);
    }
}

void Wait::start_yield() noexcept {
    arm(WaitKind::yield);
    post_next_iteration(&event_);
}

void Wait::start_io(CancelHook hook, void *data, const char *kill_refusal) noexcept {
    cancel();
    kind_ = WaitKind::io;
    kill_refusal_ = kill_refusal;
    rc = NGX_OK;
    error = nullptr;
    cancel_ = hook;
    cancel_data_ = data;
}

bool Wait::complete(ngx_int_t result, const char *message) noexcept {
    if (kind_ != WaitKind::io) return false;
    rc = result;
    error = message;
    kind_ = WaitKind::none;
    thread_.wake();
    return true;
}

void Wait::start_queued(void *queue_owner, LeaveQueue leave, ngx_msec_t ms) noexcept {
    arm(WaitKind::queue);
    granted_ = false;
    queue_owner_ = queue_owner;
    leave_ = leave;
    ngx_add_timer(&event_, ms);
}

void Wait::grant() noexcept {
    granted_ = true;
    if (event_.timer_set) {
        ngx_del_timer(&event_);
    }
    ngx_post_event(&event_, &ngx_posted_events);
}

void Wait::start_threads() noexcept {
    cancel();
    kind_ = WaitKind::threads;
}

void Wait::leave_queue() noexcept {
    if (queue_owner_ != nullptr) leave_(thread_, queue_owner_);
    queue_owner_ = nullptr;
}

void Wait::cancel_pending() noexcept {
    switch (kind_) {
    case WaitKind::queue:
        leave_queue();
        [[fallthrough]];
    case WaitKind::sleep:
    case WaitKind::yield:
        // nginx's event macros are bare statement lists: always brace them.
        if (event_.timer_set) {
            ngx_del_timer(&event_);
        }
        if (event_.posted) {
            ngx_delete_posted_event(&event_);
        }
        break;
    case WaitKind::io:
        if (cancel_ != nullptr) cancel_(cancel_data_);
        break;
    case WaitKind::threads:
        thread_.owner.forget_waiter(thread_);
        break;
    case WaitKind::none: break;
    }
    kind_ = WaitKind::none;
}

// ---- Thread

Thread::Thread(Owner &o, Vm::Thread state, bool is_entry) noexcept
    : owner(o), co(state.co), entry(is_entry), ref_(state.ref) {}

Thread::~Thread() {
    if (entry) {
        owner.vm.release_thread({co, ref_});
    } else {
        luaL_unref(owner.vm.L(), LUA_REGISTRYINDEX, ref_);
    }
}

void Thread::wake() noexcept {
    owner.resume(*this, 0);
}

// ---- Owner

Owner::Owner(Vm &v, void *req, std::uintptr_t owner_token) noexcept : request(req), token(owner_token), vm(v) {
    ngx_queue_init(&threads_);
    ngx_queue_init(&resources_);
}

Owner::~Owner() {
    drop_all();
    while (!ngx_queue_empty(&resources_)) {
        auto *resource = reinterpret_cast<OwnedResource *>(ngx_queue_head(&resources_));
        resource->detach();
        resource->release(*resource);
    }
}

lua_State *Owner::begin() noexcept {
    drop_all();
    exiting_ = failed_ = entry_done_ = abandoned_ = false;
    Vm::Thread state = vm.acquire_thread();
    set_coroutine_owner(state.co, request, token);
    entry_ = new (entry_storage_) Thread(*this, state, true);
    return state.co;
}

void Owner::resume(Thread &first, int nargs) noexcept {
    Owner *outer_owner = active_;
    active_ = this;
    if (depth_++ == 0) enter();
    Thread *thread = &first;
    while (thread != nullptr) {
        Thread *outer = current_;
        current_ = thread;
        const int status = lua_resume(thread->co, nargs);
        current_ = outer;
        thread = after_resume(*thread, status, nargs);
    }
    if (--depth_ == 0) leave();
    active_ = outer_owner;
    if (depth_ == 0) settle();
}

Thread *Owner::after_resume(Thread &thread, int status, int &nargs) noexcept {
    switch (status) {
    case LUA_YIELD:
        lua_settop(thread.co, 0);  // what it yielded; a resume passes values anew
        // A bare coroutine.yield of a thread: it goes on in the next iteration.
        if (!exiting_ && !abandoned_ && thread.wait.kind() == WaitKind::none) thread.wait.start_yield();
        return nullptr;
    case 0:
        if (thread.entry) {
            entry_done_ = true;
            return nullptr;
        }
        break;
    default:
        log_failure(thread);
        if (thread.entry) {
            failed_ = true;
            return nullptr;
        }
        break;
    }
    thread.state = Thread::State::zombie;
    Thread *waiter = thread.waiter;
    // A thread waited on never runs nested (its parent, the waiter, was suspended).
    if (waiter == nullptr || exiting_ || abandoned_ || depth_ > 1) return nullptr;
    waiter->wait.cancel();
    lua_rawgeti(waiter->co, LUA_REGISTRYINDEX, thread.ref_);
    nargs = 1 + collect(thread, waiter->co);
    return waiter;
}

void Owner::settle() noexcept {
    if (abandoned_) {
        drop_all();
        return;
    }
    if (entry_ == nullptr) return;
    RunEnd how;
    if (failed_) {
        how = RunEnd::failed;
    } else if (exiting_) {
        how = RunEnd::exited;
    } else if (entry_done_ && !any_live_light_thread()) {
        how = RunEnd::finished;
    } else {
        on_suspended();
        return;
    }
    drop_all();
    // The owner may start its next run here, or be freed: nothing may follow.
    on_finished(how);
}

bool Owner::any_live_light_thread() const noexcept {
    for (ngx_queue_t *q = ngx_queue_head(&threads_); q != ngx_queue_sentinel(&threads_); q = ngx_queue_next(q)) {
        if (Thread::of(q).state == Thread::State::live) return true;
    }
    return false;
}

Thread *Owner::spawn(lua_State *L, lua_State *co, int nargs) noexcept {
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    auto *thread = new (std::nothrow) Thread(*this, {co, ref}, false);
    if (thread == nullptr) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return nullptr;
    }
    lua_xmove(L, co, nargs);
    set_coroutine_owner(co, request, token);
    ngx_queue_insert_tail(&threads_, &thread->link.queue);
    resume(*thread, nargs);
    return thread;
}

Thread *Owner::find(lua_State *co) noexcept {
    if (entry_ != nullptr && entry_->co == co) return entry_;
    for (ngx_queue_t *q = ngx_queue_head(&threads_); q != ngx_queue_sentinel(&threads_); q = ngx_queue_next(q)) {
        if (Thread::of(q).co == co) return &Thread::of(q);
    }
    return nullptr;
}

int Owner::collect(Thread &zombie, lua_State *L) noexcept {
    lua_State *co = zombie.co;
    int pushed;
    if (lua_status(co) == 0) {
        const int n = lua_gettop(co);
        lua_pushboolean(L, 1);
        lua_xmove(co, L, n);
        pushed = n + 1;
    } else {
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1);
        pushed = 2;
    }
    end_thread(zombie);
    return pushed;
}

void Owner::kill(Thread &thread) noexcept {
    end_thread(thread);
}

void Owner::forget_waiter(const Thread &waiter) noexcept {
    for (ngx_queue_t *q = ngx_queue_head(&threads_); q != ngx_queue_sentinel(&threads_); q = ngx_queue_next(q)) {
        Thread &t = Thread::of(q);
        if (t.waiter == &waiter) t.waiter = nullptr;
    }
}

// A thread that waited on others stops doing so as its Wait goes (cancel).
void Owner::end_thread(Thread &thread) noexcept {
    if (&thread == entry_) {
        entry_ = nullptr;
        thread.~Thread();
        return;
    }
    ngx_queue_remove(&thread.link.queue);
    delete &thread;
}

void Owner::drop_threads() noexcept {
    while (!ngx_queue_empty(&threads_)) end_thread(Thread::of(ngx_queue_head(&threads_)));
    if (entry_ != nullptr) end_thread(*entry_);
}

void Owner::abandon_threads() noexcept {
    if (depth_ > 0) {
        // A thread of ours is on the C stack: the loop drops everything once back.
        abandoned_ = true;
        exiting_ = true;
        return;
    }
    drop_all();
}

void Owner::log_failure(const Thread &thread) noexcept {
    guarded(log(), 0, [&] {
        const std::string error = thread_traceback(vm.L(), thread.co);
        ngx_log_error(NGX_LOG_ERR, log(), 0, "lua %s thread aborted: runtime error: %s%s",
                      thread.entry ? "entry" : "user", error.c_str(), log_suffix());
        return 0;
    });
}

std::string thread_traceback(lua_State *L, lua_State *co) {
    const int type = lua_type(co, -1);
    if (type != LUA_TSTRING && type != LUA_TNUMBER) return "unknown reason";
    luaL_traceback(L, co, nullptr, 0);
    std::string trace = lua_tostring(L, -1);
    lua_pop(L, 1);
    constexpr std::string_view header = "stack traceback:";
    if (trace.starts_with(header)) trace.insert(header.size(), "\ncoroutine 0:");
    std::string out = lua_tostring(co, -1);
    out += '\n';
    out += trace;
    return out;
}

}  // namespace nlf::core
