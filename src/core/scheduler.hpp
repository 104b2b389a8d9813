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
    queue,  // a place in someone else's queue (a semaphore's), until granted or timed out
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
    void start_io_wait() noexcept {
        cancel_wait();
        waiting_ = Wait::io;
    }

    // A wait in a queue kept by `owner` (a semaphore), for at most `ms` milliseconds.
    // The owner links queue_link into its queue and calls grant() when the task's turn
    // comes; `leave(task, owner)` is called when the wait ends otherwise (timeout,
    // cancel) and when a granted wait is cancelled before it resumed.
    void start_queued_wait(void *owner, void (*leave)(Task &, void *), ngx_msec_t ms, ngx_log_t *log) noexcept;
    // The owner's turn for the task: it resumes in this event-loop iteration.
    void grant() noexcept;
    // After a queued wait: whether it was granted (else it timed out).
    bool granted() const noexcept { return granted_; }
    // Forgets the owner of a queued wait (it goes away); the wait times out.
    void drop_queue_owner() noexcept { queue_owner_ = nullptr; }

    // Its place in the owner's queue during a queued wait (the queue first: of() casts
    // it back).
    struct QueueLink {
        ngx_queue_t queue;
        Task *task;

        static Task &of(ngx_queue_t *queue) noexcept { return *reinterpret_cast<QueueLink *>(queue)->task; }
    };
    QueueLink queue_link{{}, this};

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
    void leave_queue() noexcept;

    ngx_event_t wait_event_{};
    Wait waiting_ = Wait::none;
    bool granted_ = false;
    void *queue_owner_ = nullptr;
    void (*leave_)(Task &, void *) = nullptr;
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
