// ngx.semaphore's wait, for a request's handler or a timer's callback (see
// src/api/semaphore.cpp for the semaphore itself).
#include "http/api/api.hpp"

#include "api/semaphore.hpp"
#include "api/timer.hpp"

using namespace nlf;
using namespace nlf::http;
using api::semaphore::Semaphore;
using api::semaphore::WaitOutcome;

namespace {

// The task that waits: the request's, or (without a request) the running timer's.
core::Task *waiting_task(ngx_http_request_t *r, unsigned char *err, size_t *errlen, ngx_log_t *&log) {
    if (r == nullptr) {
        core::Task *timer = api::timer::running();
        if (timer == nullptr) {
            core::set_ffi_error(err, errlen, "API disabled in the context of ", core::context_directive(core::requestless_context));
        }
        log = ngx_cycle->log;
        return timer;
    }
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr) {
        core::set_ffi_error(err, errlen, "no request ctx found");
        return nullptr;
    }
    if ((ctx->context & core::ctx_yieldable) == 0) {
        core::set_ffi_error(err, errlen, "API disabled in the context of ", core::context_directive(ctx->context));
        return nullptr;
    }
    log = r->connection->log;
    return ctx;
}

}  // namespace

// OK: a resource taken; DECLINED: none and no time to wait; AGAIN: the caller yields
// and asks nlf_ffi_sema_granted when it resumes; ERROR with a message in `err`.
NLF_API int ngx_http_lua_ffi_sema_wait(ngx_http_request_t *r, Semaphore *sem, int wait_ms, unsigned char *err,
                                       size_t *errlen) noexcept {
    ngx_log_t *log = nullptr;
    core::Task *task = waiting_task(r, err, errlen, log);
    if (task == nullptr) return NGX_ERROR;
    switch (api::semaphore::wait(*sem, *task, static_cast<ngx_msec_t>(wait_ms < 0 ? 0 : wait_ms), log)) {
    case WaitOutcome::taken: return NGX_OK;
    case WaitOutcome::timed_out: return NGX_DECLINED;
    case WaitOutcome::queued: break;
    }
    return NGX_AGAIN;
}

// After a wait that yielded: 1 when the semaphore's turn came, 0 when it timed out.
NLF_API int nlf_ffi_sema_granted(ngx_http_request_t *r) noexcept {
    core::Task *task = r != nullptr ? static_cast<core::Task *>(RequestCtx::get(r)) : api::timer::running();
    return task != nullptr && task->granted() ? 1 : 0;
}
