// ngx.sleep: a wait of the scheduler (see core/scheduler.hpp).
#include "http/api/api.hpp"

using namespace nlf;
using namespace nlf::http;

NLF_API int nlf_ffi_sleep(ngx_http_request_t *r, long ms) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_yieldable, status);
    if (ctx == nullptr) return status;
    if (ms < 0) return NGX_ERROR;
    ctx->start_sleep(static_cast<ngx_msec_t>(ms), r->connection->log);
    return NGX_AGAIN;
}
