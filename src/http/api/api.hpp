#pragma once
#include "ngx.hpp"

#include "core/context.hpp"
#include "core/pure/ffi_types.hpp"
#include "http/request_ctx.hpp"

namespace nlf::http {

// Everywhere Lua code runs with a request.
inline constexpr unsigned request_contexts = core::ctx_set | core::ctx_rewrite | core::ctx_access |
                                             core::ctx_content | core::ctx_log |
                                             core::ctx_header_filter | core::ctx_body_filter |
                                             core::ctx_balancer | core::ctx_server_rewrite;

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

using nlf::view;
inline std::string_view view(const core::FfiStr &s) noexcept {
    return {reinterpret_cast<const char *>(s.data), static_cast<size_t>(s.len < 0 ? 0 : s.len)};
}

inline core::FfiStr ffi_str(const ngx_str_t &s) noexcept {
    return {static_cast<int>(s.len), s.data};
}

}  // namespace nlf::http
