#pragma once
#include "ngx.hpp"

#include "core/context.hpp"
#include "http/request_ctx.hpp"

namespace nlf::http {

// Output may be produced where the response is being made.
inline constexpr unsigned output_contexts = core::ctx_rewrite | core::ctx_access | core::ctx_content;

// The request's context when Lua runs in one of `allowed`; otherwise nullptr with
// `status` set to the ABI's code (no request context / bad context).
inline RequestCtx *api_ctx(ngx_http_request_t *r, unsigned allowed, int &status) noexcept {
    RequestCtx *ctx = r ? RequestCtx::get(r) : nullptr;
    if (ctx == nullptr) {
        status = kNoRequest;
        return nullptr;
    }
    if (!(ctx->context & allowed)) {
        status = kBadContext;
        return nullptr;
    }
    return ctx;
}

}  // namespace nlf::http
