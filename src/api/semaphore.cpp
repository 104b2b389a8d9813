// ngx.semaphore. Waiters queue in arrival order; a post hands resources to the first
// ones at once, and each resumes later in the same event-loop iteration. A resource
// handed to a waiter that is cancelled before it resumed (its request ended) goes back.
#include "api/semaphore.hpp"

#include <climits>
#include <new>

namespace nlf::api::semaphore {

class Semaphore {
public:
    explicit Semaphore(int resources) noexcept : resources_(resources) { ngx_queue_init(&waiters_); }

    ~Semaphore() {
        // Only a cancelled wait can still be queued when Lua lets go of the semaphore
        // (a waiting coroutine holds it): let them time out.
        while (!ngx_queue_empty(&waiters_)) {
            core::Thread &thread = core::Wait::QueueLink::of(ngx_queue_head(&waiters_));
            ngx_queue_remove(&thread.wait.queue_link.queue);
            thread.wait.drop_queue_owner();
        }
    }

    Semaphore(const Semaphore &) = delete;
    Semaphore &operator=(const Semaphore &) = delete;

    WaitOutcome wait(core::Thread &thread, ngx_msec_t ms) noexcept {
        // The longest waiter comes first: no taking past the queue.
        if (ngx_queue_empty(&waiters_) && resources_ > 0) {
            --resources_;
            return WaitOutcome::taken;
        }
        if (ms == 0) return WaitOutcome::timed_out;
        thread.wait.start_queued(this, leave, ms);  // first: it ends a stale wait
        ngx_queue_insert_tail(&waiters_, &thread.wait.queue_link.queue);
        ++waiting_;
        return WaitOutcome::queued;
    }

    void post(int n) noexcept {
        resources_ = n > INT_MAX - resources_ ? INT_MAX : resources_ + n;
        while (resources_ > 0 && !ngx_queue_empty(&waiters_)) {
            core::Thread &thread = core::Wait::QueueLink::of(ngx_queue_head(&waiters_));
            ngx_queue_remove(&thread.wait.queue_link.queue);
            --waiting_;
            --resources_;
            thread.wait.grant();
        }
    }

    int count() const noexcept { return resources_ - waiting_; }

private:
    // A wait ended without its turn (timeout, cancel), or a granted one was cancelled
    // before it resumed: its resource goes to the next waiter.
    static void leave(core::Thread &thread, void *owner) noexcept {
        auto *sem = static_cast<Semaphore *>(owner);
        if (thread.wait.granted()) {
            sem->post(1);
            return;
        }
        ngx_queue_remove(&thread.wait.queue_link.queue);
        --sem->waiting_;
    }

    int resources_;
    int waiting_ = 0;
    ngx_queue_t waiters_;
};

WaitOutcome wait(Semaphore &sem, core::Thread &thread, ngx_msec_t ms) noexcept {
    return sem.wait(thread, ms);
}

}  // namespace nlf::api::semaphore

using nlf::api::semaphore::Semaphore;

NLF_API int ngx_http_lua_ffi_sema_new(Semaphore **psem, int n, char **errmsg) noexcept {
    if (n < 0) {
        *errmsg = const_cast<char *>("no negative number");
        return NGX_ERROR;
    }
    auto *sem = new (std::nothrow) Semaphore(n);
    if (sem == nullptr) {
        *errmsg = const_cast<char *>("no memory");
        return NGX_ERROR;
    }
    *psem = sem;
    return NGX_OK;
}

NLF_API int ngx_http_lua_ffi_sema_post(Semaphore *sem, int n) noexcept {
    if (n <= 0) return NGX_DECLINED;
    sem->post(n);
    return NGX_OK;
}

// Resources left, less the waiters: negative while coroutines wait.
NLF_API int ngx_http_lua_ffi_sema_count(Semaphore *sem) noexcept {
    return sem->count();
}

NLF_API void ngx_http_lua_ffi_sema_gc(Semaphore *sem) noexcept {
    delete sem;
}
