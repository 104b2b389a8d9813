// ngx.sleep: a wait of the scheduler (see core/scheduler.hpp), and the pieces of the
// wait protocol every waiting API shares.
#include "http/api/api.hpp"

#include "api/timer.hpp"

namespace nlf::http {

core::Thread *waiting_thread(ngx_http_request_t *r, int &status) noexcept {
    if (r == nullptr) {
        core::Thread *thread = api::timer::running();
        if (thread == nullptr) status = kBadContext;
        return thread;
    }
    RequestCtx *ctx = api_ctx(r, core::ctx_yieldable, status);
    if (ctx == nullptr) return nullptr;
    core::Thread *thread = ctx->current();
    if (thread == nullptr) status = kBadContext;
    return thread;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// NGX_AGAIN: the caller yields and is resumed after `ms` (0: the next event-loop
// iteration). A request's handler or a timer's callback.
NLF_API int nlf_ffi_sleep(ngx_http_request_t *r, long ms) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    if (ms < 0) return NGX_ERROR;
    thread->wait.start_sleep(static_cast<ngx_msec_t>(ms));
    return NGX_AGAIN;
}

// The wait just started cannot be waited for (its yield failed: the caller runs
// inside a C call, such as a string.gsub callback): it is dropped.
NLF_API void nlf_ffi_wait_cancel(void) noexcept {
    core::Owner *owner = core::Owner::active();
    if (owner != nullptr && owner->current() != nullptr) owner->current()->wait.cancel();
}

// After a yield for an io wait: its outcome, with the message in *err.
NLF_API int nlf_ffi_wait_result(const char **err) noexcept {
    core::Owner *owner = core::Owner::active();
    core::Thread *thread = owner != nullptr ? owner->current() : nullptr;
    if (thread == nullptr) {
        *err = "no thread";
        return NGX_ERROR;
    }
    *err = thread->wait.error;
    return static_cast<int>(thread->wait.rc);
}
