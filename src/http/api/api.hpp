#pragma once
#include "ngx_http.hpp"

#include "core/context.hpp"
#include "core/ffi_error.hpp"
#include "core/pure/ffi_types.hpp"
#include "http/request_ctx.hpp"

namespace nlf::http {

// Everywhere Lua code runs with a request.
inline constexpr unsigned request_contexts = core::ctx_set | core::ctx_rewrite | core::ctx_access |
                                             core::ctx_content | core::ctx_log |
                                             core::ctx_header_filter | core::ctx_body_filter |
                                             core::ctx_balancer | core::ctx_server_rewrite;

// Output may be produced where the response is being made.
inline constexpr unsigned output_contexts =
    core::ctx_server_rewrite | core::ctx_rewrite | core::ctx_access | core::ctx_content;

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

// The thread that may start a wait now: the running thread of the request's run when
// Lua runs where it may wait, of the timer's run without a request; otherwise nullptr
// with `status` set (no request context / bad context).
core::Thread *waiting_thread(ngx_http_request_t *r, int &status) noexcept;

// Stamps let the Lua side reuse what it built from request data while that data is
// unchanged: they mix the request's identity (its connection and its number on it)
// with the addresses and lengths the data is made of.
inline uint64_t stamp_mix(uint64_t h, uint64_t v) noexcept {
    return ((h << 7) | (h >> 57)) ^ v;
}

inline uint64_t request_stamp(const ngx_http_request_t *r) noexcept {
    return stamp_mix(r->connection->number, r->connection->requests);
}

inline uint64_t stamp_mix(uint64_t h, const ngx_str_t &s) noexcept {
    return stamp_mix(h, reinterpret_cast<uintptr_t>(s.data) ^ (static_cast<uint64_t>(s.len) << 48));
}

// The pool of the configuration the request runs with, for what a worker keeps
// as long as it: nginx created the core module's variables array in it.
inline ngx_pool_t *config_pool(ngx_http_request_t *r) noexcept {
    auto *cmcf = static_cast<ngx_http_core_main_conf_t *>(ngx_http_get_module_main_conf(r, ngx_http_core_module));
    return cmcf->variables.pool;
}

// When `uri` has a byte nginx would send as it is (a control byte but tab, DEL):
// writes OpenResty's message `unsafe byte "0x0a" in <what> "<uri, escaped>"<hint>`
// into `err` (*errlen: its size in, the message's length out) and returns true.
bool refuse_unsafe_uri(std::string_view uri, const char *what, const char *hint, char *err, size_t *errlen) noexcept;

// ngx.redirect's Location field, set as ngx.header.Location = uri sets it. False when
// memory runs out.
bool set_redirect_location(ngx_http_request_t *r, RequestCtx &ctx, std::string_view uri) noexcept;

// The request's Content-Length header and content_length_n, as a body Lua set makes
// them (api/headers.cpp). False when memory runs out.
bool set_request_content_length(ngx_http_request_t *r, off_t length) noexcept;

// One of the ngx.HTTP_* methods: nginx's number and name for it.
struct HttpMethod {
    ngx_uint_t id;
    ngx_str_t name;
};

// The method of that number, or nullptr (api/request.cpp).
const HttpMethod *find_http_method(ngx_uint_t id) noexcept;

class HeaderValues;

// ngx.req.set_header's work (api/headers.cpp): with `override` the header gets exactly
// `values` (none: removed), else they are added. NGX_OK, NGX_DECLINED (HTTP/0.9: no
// headers), or NGX_ERROR with `err`.
int set_input_header(ngx_http_request_t *r, std::string_view name, const HeaderValues &values, bool override,
                     const char *&err) noexcept;

// The subrequest `sr` gets a list of request headers of its own, with the fields of
// `from`'s: what it changes leaves the parent's alone. False when out of memory.
bool copy_request_headers(ngx_http_request_t *sr, ngx_http_request_t *from) noexcept;

using nlf::view;
inline std::string_view view(const core::FfiStr &s) noexcept {
    return {reinterpret_cast<const char *>(s.data), static_cast<size_t>(s.len < 0 ? 0 : s.len)};
}

inline core::FfiStr ffi_str(const ngx_str_t &s) noexcept {
    return {static_cast<int>(s.len), s.data};
}

}  // namespace nlf::http
