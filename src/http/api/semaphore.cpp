// ngx.semaphore's wait, for a request's handler or a timer's callback (see
// src/api/semaphore.cpp for the semaphore itself).
#include "http/api/api.hpp"

#include "api/semaphore.hpp"

using namespace nlf;
using namespace nlf::http;
using api::semaphore::Semaphore;
using api::semaphore::WaitOutcome;

namespace {

// The thread that waits: the request's running one, or (without a request) the running
// timer's.
core::Thread *sema_waiter(ngx_http_request_t *r, unsigned char *err, size_t *errlen) {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread != nullptr) return thread;
    if (status == kNoRequest) {
        core::set_ffi_error(err, errlen, "no request ctx found");
    } else {
        const unsigned context = r != nullptr ? RequestCtx::get(r)->context : core::requestless_context;
        core::set_ffi_error(err, errlen, "API disabled in the context of ", core::context_directive(context));
    }
    return nullptr;
}

}  // namespace

// OK: a resource taken; DECLINED: none and no time to wait; AGAIN: the caller yields
// and asks nlf_ffi_sema_granted when it resumes; ERROR with a message in `err`.
NLF_API int ngx_http_lua_ffi_sema_wait(ngx_http_request_t *r, Semaphore *sem, int wait_ms, unsigned char *err,
                                       size_t *errlen) noexcept {
    core::Thread *thread = sema_waiter(r, err, errlen);
    if (thread == nullptr) return NGX_ERROR;
    switch (api::semaphore::wait(*sem, *thread, static_cast<ngx_msec_t>(wait_ms < 0 ? 0 : wait_ms))) {
    case WaitOutcome::taken: return NGX_OK;
    case WaitOutcome::timed_out: return NGX_DECLINED;
    case WaitOutcome::queued: break;
    }
    return NGX_AGAIN;
}

// After a wait that yielded: 1 when the semaphore's turn came, 0 when it timed out.
NLF_API int nlf_ffi_sema_granted(void) noexcept {
    core::Owner *owner = core::Owner::active();
    core::Thread *thread = owner != nullptr ? owner->current() : nullptr;
    return thread != nullptr && thread->wait.granted() ? 1 : 0;
}
