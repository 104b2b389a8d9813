#pragma once
#include "ngx.hpp"

#include <string>

namespace nlf::core {

// What a coroutine is waiting for, if anything.
enum class Wait : unsigned char {
    none,
    sleep,  // ngx.sleep: a timer, or the next event-loop iteration for 0
    yield,  // a bare coroutine.yield of the entry coroutine: resume next iteration
    io,     // an operation of the owner's (e.g. flushing output): it wakes the task
};

// Something that runs Lua coroutines for nginx and is woken when what it waits for
// happens: an http request now, a timer or a stream session later.
class Task {
public:
    // Resumes the waiting coroutine. Called from nginx's event loop.
    virtual void wake() noexcept = 0;

    // Starts a wait of `ms` milliseconds; 0 waits for the next event-loop iteration
    // (nginx's posted "next" events: cheap, and other events run first).
    void start_sleep(ngx_msec_t ms, ngx_log_t *log) noexcept;
    // Marks a bare yield: resumed on the next event-loop iteration.
    void start_yield(ngx_log_t *log) noexcept {
        start_sleep(0, log);
        waiting_ = Wait::yield;
    }
    // Marks an owner-driven wait; the owner calls wake() itself.
    void start_io_wait() noexcept { waiting_ = Wait::io; }

    // Drops whatever is pending (request end, client abort, worker exit). Idempotent.
    void cancel_wait() noexcept;

    Wait waiting() const noexcept { return waiting_; }
    void clear_wait() noexcept { waiting_ = Wait::none; }

protected:
    Task() = default;
    ~Task() { cancel_wait(); }
    Task(const Task &) = delete;
    Task &operator=(const Task &) = delete;

private:
    static void on_wait_event(ngx_event_t *ev);

    ngx_event_t wait_event_{};
    Wait waiting_ = Wait::none;
};

enum class RunStatus { finished, yielded, failed };

// Resumes `co` with `nargs` values on its stack. On failure the error is left on co's
// stack (see error_with_traceback).
inline RunStatus resume(lua_State *co, int nargs) noexcept {
    switch (lua_resume(co, nargs)) {
    case 0: return RunStatus::finished;
    case LUA_YIELD: return RunStatus::yielded;
    default: return RunStatus::failed;
    }
}

}  // namespace nlf::core
