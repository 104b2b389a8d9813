// The scheduler: owners run Lua threads, threads wait, one resume loop drives them.
//
// An Owner is what Lua code runs for: a request's phase handler, a timer's run (later a
// stream session, an SSL handshake, a balancer call). It holds its threads: the entry
// thread and the light threads of ngx.thread.spawn. Coroutines the code makes with
// coroutine.* run nested inside one of those threads (resty.core.coroutine passes
// their waits up), so a thread's one Wait is whatever the innermost of them waits for.
// What differs per subsystem reaches the loop through Owner's few virtual functions.
#pragma once
#include "ngx.hpp"

#include "core/lua_vm.hpp"

#include <cstdint>
#include <string>

namespace nlf::core {

class Owner;
class Thread;

enum class WaitKind : unsigned char {
    none,
    sleep,    // ngx.sleep: a timer, or the next event-loop iteration for 0
    yield,    // a bare coroutine.yield of the thread: the next event-loop iteration
    io,       // an operation someone else completes (a flush, a body read): it calls wake()
    queue,    // a place in someone else's queue (a semaphore's), until granted or timed out
    threads,  // ngx.thread.wait: until one of the threads waited on ends
};

// What one thread waits for. Started only from an FFI call of the thread itself (the
// Lua side then yields); ended at most once, by its event, by the one who completes
// it (wake), or by cancel(). The result stays here for the Lua side to fetch.
class Wait {
public:
    explicit Wait(Thread &thread) noexcept : queue_link{{}, &thread}, thread_(thread) {}
    ~Wait() { cancel(); }
    Wait(const Wait &) = delete;
    Wait &operator=(const Wait &) = delete;

    // ms 0: the next event-loop iteration (nginx's posted "next" events: other events
    // run first), also while the worker shuts down.
    void start_sleep(ngx_msec_t ms) noexcept;
    void start_yield() noexcept;

    // An operation completed by someone else, who calls Thread::wake. `cancel` (may be
    // null) undoes what the operation hooked into nginx when the wait is dropped.
    // `kill_refusal`, when set, is why ngx.thread.kill may not drop this wait (nginx
    // cannot abort a running subrequest).
    using CancelHook = void (*)(void *data) noexcept;
    void start_io(CancelHook cancel, void *data, const char *kill_refusal = nullptr) noexcept;
    // Why ngx.thread.kill must leave the thread alone, or nullptr.
    const char *kill_refusal() const noexcept { return kind_ == WaitKind::io ? kill_refusal_ : nullptr; }

    // A place in a queue kept by `queue_owner` (a semaphore), for at most `ms`. The
    // owner links queue_link into its queue and calls grant() when the turn comes;
    // `leave(thread, queue_owner)` is called when the wait ends otherwise (timeout,
    // cancel) and when a granted wait is cancelled before it resumed.
    using LeaveQueue = void (*)(Thread &, void *queue_owner) noexcept;
    void start_queued(void *queue_owner, LeaveQueue leave, ngx_msec_t ms) noexcept;
    // The queue owner's turn for the thread: it resumes in this event-loop iteration.
    void grant() noexcept;
    bool granted() const noexcept { return granted_; }
    // The queue owner goes away: the wait times out.
    void drop_queue_owner() noexcept { queue_owner_ = nullptr; }

    struct QueueLink {
        ngx_queue_t queue;
        Thread *thread;

        static Thread &of(ngx_queue_t *queue) noexcept { return *reinterpret_cast<QueueLink *>(queue)->thread; }
    };
    QueueLink queue_link;

    // ngx.thread.wait: resumed by the loop when a thread this one waits on ends.
    void start_threads() noexcept;

    // Drops whatever is pending; idempotent. Nothing is armed while kind() is none.
    void cancel() noexcept {
        if (kind_ != WaitKind::none) cancel_pending();
    }

    WaitKind kind() const noexcept { return kind_; }
    // For the one who completes an io wait: the outcome the Lua side fetches, then the
    // thread goes on. Returns false (and does nothing) unless the thread waits for io.
    bool complete(ngx_int_t rc, const char *error) noexcept;
    // Set when an io wait starts.
    ngx_int_t rc;
    const char *error;

private:
    static void on_event(ngx_event_t *ev);
    void arm(WaitKind kind) noexcept;
    void leave_queue() noexcept;
    void cancel_pending() noexcept;

    // Only kind_ is set while no wait has started: what a kind uses, its start sets.
    Thread &thread_;
    WaitKind kind_ = WaitKind::none;
    bool granted_ = false;
    ngx_event_t event_;  // sleep, yield, queue
    void *queue_owner_;
    LeaveQueue leave_;
    CancelHook cancel_;  // io
    void *cancel_data_;
    const char *kill_refusal_;
};

// A Lua coroutine the loop resumes: an owner's entry thread or one of its light threads.
class Thread {
public:
    enum class State : unsigned char { live, zombie };

    Thread(Owner &owner, Vm::Thread state, bool entry) noexcept;
    ~Thread();
    Thread(const Thread &) = delete;
    Thread &operator=(const Thread &) = delete;

    // The wait ended: the thread goes on (with nothing passed to its yield).
    void wake() noexcept;

    Owner &owner;
    lua_State *const co;
    const bool entry;
    State state = State::live;
    Wait wait{*this};
    Thread *waiter = nullptr;  // blocked in ngx.thread.wait on this one

    // Its place in the owner's light threads (the queue first: of() casts it back).
    struct Link {
        ngx_queue_t queue;
        Thread *thread;
    };
    Link link{{}, this};
    static Thread &of(ngx_queue_t *q) noexcept { return *reinterpret_cast<Link *>(q)->thread; }

private:
    friend class Owner;
    int ref_;
};

// How an owner's run ended.
enum class RunEnd : unsigned char {
    finished,  // the entry thread and every light thread returned
    exited,    // a thread ended the run (ngx.exit, ngx.exec, ...)
    failed,    // the entry thread raised an error (logged)
};

// Something a run opened that must not outlive its owner (a cosocket): `release` is
// called when the owner goes, unless it was let go before (OwnedResource::detach).
struct OwnedResource {
    ngx_queue_t link;
    void (*release)(OwnedResource &) noexcept;

    void detach() noexcept {
        // ngx_queue_remove is several statements with NGX_DEBUG: braces needed.
        if (link.next != nullptr) {
            ngx_queue_remove(&link);
        }
        link.next = nullptr;
    }
};

class Owner {
public:
    Owner(const Owner &) = delete;
    Owner &operator=(const Owner &) = delete;

    // A new run: returns its entry thread's coroutine, for the caller to push the
    // function and its arguments on; run(nargs) then runs it until it finishes or
    // every thread waits. The run may end inside (on_finished is called before run
    // returns). abandon() drops a run that is not to start after all.
    lua_State *begin() noexcept;
    void run(int nargs) noexcept { resume(*entry_, nargs); }

    // The one resume loop: resumes `thread` with `nargs` values on its stack, then
    // whatever that lets go on (a waiter of a thread that ended), then settles the run
    // (on_finished or on_suspended) unless this is a resume inside another (spawn).
    void resume(Thread &thread, int nargs) noexcept;

    // ngx.thread.spawn from the running thread: the coroutine `co` (made with its
    // function) becomes a light thread and runs with the `nargs` values on top of `L`
    // until it first waits or ends. Returns it, or nullptr when out of memory.
    Thread *spawn(lua_State *L, lua_State *co, int nargs) noexcept;
    // The thread (entry, live or zombie light thread) whose coroutine is `co`, or nullptr.
    Thread *find(lua_State *co) noexcept;
    // A zombie's outcome moved to `L` (true and its results, or false and its error),
    // and the thread let go. Returns the number of values pushed.
    int collect(Thread &zombie, lua_State *L) noexcept;
    // ngx.thread.kill: the thread and its wait are gone.
    void kill(Thread &thread) noexcept;

    // A thread asked the run to end (ngx.exit & co): done when control comes back to
    // the loop.
    void request_exit() noexcept { exiting_ = true; }
    bool exiting() const noexcept { return exiting_; }

    // Every thread and wait is dropped, nothing more runs (request end, client abort,
    // worker exit); on_finished is not called. Idempotent.
    void abandon() noexcept {
        if (entry_ != nullptr || !ngx_queue_empty(&threads_)) abandon_threads();
    }
    bool running() const noexcept { return entry_ != nullptr; }

    // `resource` is released when this owner goes (after its threads).
    void adopt(OwnedResource &resource) noexcept { ngx_queue_insert_tail(&resources_, &resource.link); }

    // The thread being resumed now (spawn's first run nests one inside another), or null.
    Thread *current() const noexcept { return current_; }
    // The owner whose thread runs now, if any.
    static Owner *active() noexcept { return active_; }

    // Where the run's waits and errors log.
    virtual ngx_log_t *log() const noexcept = 0;
    // Whether the code running now may wait (a request's synchronous phases, such as a
    // header filter run by output of a thread, may not).
    virtual bool may_wait() const noexcept { return true; }

    void *const request;  // thread.exdata of the owner's coroutines (nullptr for timers)
    const std::uintptr_t token;  // tells the owner's coroutines from others (exdata2)
    Vm &vm;

protected:
    Owner(Vm &vm, void *request, std::uintptr_t token) noexcept;
    virtual ~Owner();

    // Where the run's errors are logged, and what follows the message ("" or
    // ", context: ngx.timer").
    virtual const char *log_suffix() const noexcept { return ""; }
    // Around each resume: the Lua context the code sees.
    virtual void enter() noexcept {}
    virtual void leave() noexcept {}
    // The run is over: every thread is gone. The owner may free itself here.
    virtual void on_finished(RunEnd how) noexcept = 0;
    // The loop ended with every thread waiting.
    virtual void on_suspended() noexcept {}

private:
    Thread *after_resume(Thread &thread, int status, int &nargs) noexcept;
    void settle() noexcept;
    void end_thread(Thread &thread) noexcept;
    void drop_all() noexcept {
        if (entry_ != nullptr || !ngx_queue_empty(&threads_)) drop_threads();
    }
    void drop_threads() noexcept;
    friend class Wait;
    // The threads `waiter` waited on (ngx.thread.wait) forget it.
    void forget_waiter(const Thread &waiter) noexcept;
    void abandon_threads() noexcept;
    void log_failure(const Thread &thread) noexcept;
    bool any_live_light_thread() const noexcept;

    static inline Owner *active_ = nullptr;
    ngx_queue_t threads_;  // light threads, live and zombie
    ngx_queue_t resources_;  // OwnedResource links
    Thread *entry_ = nullptr;
    Thread *current_ = nullptr;
    int depth_ = 0;  // resume() calls in progress
    bool exiting_ = false;
    bool failed_ = false;
    bool entry_done_ = false;
    bool abandoned_ = false;  // abandon() during a resume: the loop drops all when back
    // The entry thread lives here: one per run, and no allocation for it.
    alignas(Thread) unsigned char entry_storage_[sizeof(Thread)];
};

// Posts `ev` to run in the next event-loop iteration (after the events already due),
// and keeps a worker that shuts down alive until it has run: an exiting worker stops
// once no timer is left, with nginx's posted "next" events unrun.
void post_next_iteration(ngx_event_t *ev) noexcept;

enum class RunStatus { finished, yielded, failed };

// Resumes `co` with `nargs` values on its stack, for code that runs to its end at once
// (the synchronous phases). On failure the error is left on co's stack.
inline RunStatus resume(lua_State *co, int nargs) noexcept {
    switch (lua_resume(co, nargs)) {
    case 0: return RunStatus::finished;
    case LUA_YIELD: return RunStatus::yielded;
    default: return RunStatus::failed;
    }
}

// "message\nstack traceback:\ncoroutine 0:\n..." as OpenResty logs a thread's error.
std::string thread_traceback(lua_State *L, lua_State *co);

}  // namespace nlf::core
