// URI arguments and the URI: ngx.req.get_uri_args, set_uri_args, set_uri, and the
// query-string codec of ngx.decode_args / ngx.encode_args.
#include "http/api/api.hpp"

#include "core/pure/key_shapes.hpp"
#include "core/pure/uri_args.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace nlf::http {

namespace {

constexpr int default_max_args = 100;

// Decodes `args` into the caller's buffer (aligned for core::FfiPair): the pairs
// first, then the decoded text they point into. NGX_AGAIN with the size needed in
// *size when it does not fit.
int decode_into(std::string_view args, u_char *buf, size_t *size, int max, int *truncated,
                void *shapes) noexcept {
    const size_t limit = max < 0 ? default_max_args : static_cast<size_t>(max);
    size_t pairs = core::arg_segments(args);
    if (limit > 0 && pairs > limit) pairs = limit;
    const size_t needed = pairs * sizeof(core::FfiPair) + args.size();
    if (needed > *size) {
        *size = needed;
        return NGX_AGAIN;
    }
    auto *out = reinterpret_cast<core::FfiPair *>(buf);
    u_char *text = buf + pairs * sizeof(core::FfiPair);
    if (!args.empty()) std::memcpy(text, args.data(), args.size());
    bool cut = false;
    const int n = static_cast<int>(core::parse_args(text, args.size(), out, pairs, limit, cut));
    *truncated = cut;
    core::key_shapes::find(shapes, out, n, 0);
    return n;
}

}  // namespace

bool refuse_unsafe_uri(std::string_view uri, const char *what, const char *hint, char *err, size_t *errlen) noexcept {
    const auto unsafe = [](u_char c) { return (c < 0x20 && c != '\t') || c == 0x7f; };
    auto bad = std::find_if(uri.begin(), uri.end(), [&](char c) { return unsafe(static_cast<u_char>(c)); });
    if (bad == uri.end()) return false;
    const size_t cap = *errlen;
    int n = std::snprintf(err, cap, "unsafe byte \"0x%02x\" in %s \"", static_cast<u_char>(*bad), what);
    size_t pos = n < 0 ? 0 : std::min(static_cast<size_t>(n), cap);
    const size_t hint_len = std::strlen(hint);
    for (u_char c : uri) {
        if (pos + 5 + hint_len >= cap) break;
        if (c < 0x20 || c >= 0x7f) {
            pos += static_cast<size_t>(std::snprintf(err + pos, cap - pos, "\\x%02X", c));
        } else {
            err[pos++] = static_cast<char>(c);
        }
    }
    if (pos + 1 + hint_len < cap) {
        err[pos++] = '"';
        std::memcpy(err + pos, hint, hint_len);
        pos += hint_len;
    }
    *errlen = pos;
    return true;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// The request's query arguments decoded into `buf` (see decode_into); returns how
// many pairs there are. When the query string is what `*stamp` says it was (see
// request_stamp), returns NGX_DECLINED without decoding. `shapes`: see key_shapes.
NLF_API int nlf_ffi_req_get_uri_args(ngx_http_request_t *r, u_char *buf, size_t *size, int max,
                                     int *truncated, uint64_t *stamp, void *shapes) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const uint64_t now = stamp_mix(request_stamp(r), r->args);
    if (now == *stamp) return NGX_DECLINED;
    int n = decode_into(view(r->args), buf, size, max, truncated, shapes);
    if (n >= 0) *stamp = now;
    return n;
}

NLF_API int nlf_ffi_decode_args(const u_char *args, size_t len, u_char *buf, size_t *size, int max,
                                int *truncated, void *shapes) noexcept {
    return decode_into({reinterpret_cast<const char *>(args), len}, buf, size, max, truncated, shapes);
}

// Writes `src` escaped as a URI component to `dst` (3 * len bytes); returns the length.
NLF_API size_t nlf_ffi_escape_uri_component(const u_char *src, size_t len, u_char *dst) noexcept {
    return core::escape_uri_component({reinterpret_cast<const char *>(src), len}, dst);
}

NLF_API int nlf_ffi_req_set_uri_args(ngx_http_request_t *r, const u_char *args, size_t len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    // Control bytes and spaces are escaped, as OpenResty does: sent raw they would break
    // the request line of a proxied request.
    const std::string_view text{reinterpret_cast<const char *>(args), len};
    const size_t size = len + 2 * core::control_bytes(text);
    auto *copy = static_cast<u_char *>(ngx_pnalloc(r->pool, size ? size : 1));
    if (copy == nullptr) return NGX_ERROR;
    r->args = {core::escape_controls(text, copy), copy};
    r->valid_unparsed_uri = 0;
    return NGX_OK;
}

// Rewrites the URI. With `jump` (rewrite_by_lua only, checked by the Lua side, which then
// yields), the handler ends as with ngx.exit(ngx.DECLINED) and nginx searches the
// locations again, as after `rewrite ... last`. Unless `binary`, a URI with a control
// byte (CR, LF, ...) is refused with an error in `err` (*errlen bytes).
NLF_API int nlf_ffi_req_set_uri(ngx_http_request_t *r, const u_char *uri, size_t len, int jump, int binary,
                                char *err, size_t *errlen) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    std::string_view text{reinterpret_cast<const char *>(uri), len};
    if (!binary) {
        if (refuse_unsafe_uri(text, "uri", " (maybe you want to set the 'binary' argument?)", err, errlen)) {
            return NGX_ERROR;
        }
    }
    auto *copy = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
    if (copy == nullptr) {
        *errlen = static_cast<size_t>(std::snprintf(err, *errlen, "no memory"));
        return NGX_ERROR;
    }
    std::memcpy(copy, uri, len);
    r->uri = {len, copy};
    r->internal = 1;
    r->valid_unparsed_uri = 0;
    r->valid_location = 0;
    r->uri_changed = jump ? 1 : 0;
    ngx_http_set_exten(r);
    if (jump) {
        ctx->end_handler(NGX_DECLINED);
    }
    return NGX_OK;
}

NLF_API size_t ngx_http_lua_ffi_req_get_querystring_len(ngx_http_request_t *r) noexcept {
    return r->args.len;
}

NLF_API int ngx_http_lua_ffi_req_get_uri_args_count(ngx_http_request_t *r, int max, int *truncated) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const size_t limit = max < 0 ? default_max_args : static_cast<size_t>(max);
    size_t n = core::arg_segments(view(r->args));
    *truncated = limit > 0 && n > limit;
    return static_cast<int>(*truncated ? limit : n);
}

// `buf` has room for the query string; `out` for `count` pairs.
NLF_API int ngx_http_lua_ffi_req_get_uri_args(ngx_http_request_t *r, u_char *buf, core::FfiPair *out,
                                              int count) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (count <= 0) return 0;
    if (r->args.len) std::memcpy(buf, r->args.data, r->args.len);
    bool truncated;
    return static_cast<int>(core::parse_args(buf, r->args.len, out, static_cast<size_t>(count),
                                             static_cast<size_t>(count), truncated));
}
