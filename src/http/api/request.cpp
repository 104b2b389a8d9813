// The request line and its header as received: ngx.req.get_method/set_method,
// http_version, raw_header, is_internal and ngx.is_subrequest.
#include "http/api/api.hpp"

#include "core/guard.hpp"
#include "core/pure/header_text.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace nlf::http {

namespace {

const HttpMethod methods[] = {
    {NGX_HTTP_GET, ngx_string("GET")},           {NGX_HTTP_HEAD, ngx_string("HEAD")},
    {NGX_HTTP_POST, ngx_string("POST")},         {NGX_HTTP_PUT, ngx_string("PUT")},
    {NGX_HTTP_DELETE, ngx_string("DELETE")},     {NGX_HTTP_MKCOL, ngx_string("MKCOL")},
    {NGX_HTTP_COPY, ngx_string("COPY")},         {NGX_HTTP_MOVE, ngx_string("MOVE")},
    {NGX_HTTP_OPTIONS, ngx_string("OPTIONS")},   {NGX_HTTP_PROPFIND, ngx_string("PROPFIND")},
    {NGX_HTTP_PROPPATCH, ngx_string("PROPPATCH")}, {NGX_HTTP_LOCK, ngx_string("LOCK")},
    {NGX_HTTP_UNLOCK, ngx_string("UNLOCK")},     {NGX_HTTP_PATCH, ngx_string("PATCH")},
    {NGX_HTTP_TRACE, ngx_string("TRACE")},
};

// What of `b` belongs to the header: from the request line (in its first buffer)
// to where parsing stopped. A buffer nginx left for a larger one ends with the
// incomplete line it moved there: that part is cut off (a complete line ends with a
// LF, or with the NUL nginx wrote over it).
std::string_view header_part(const ngx_http_request_t *mr, const ngx_buf_t *b, bool first) {
    const u_char *from = first ? mr->request_line.data : b->start;
    const u_char *to = b->pos;
    if (b != mr->header_in) {
        while (to > from && to[-1] != '\n' && to[-1] != '\0') --to;
    }
    return {reinterpret_cast<const char *>(from), static_cast<size_t>(to > from ? to - from : 0)};
}

// The parts of the main request's header, in the order they arrived: the
// connection's buffer, then the large header buffers (hc->busy lists the newest
// first), from the one holding the request line to the current one.
std::vector<std::string_view> header_parts(const ngx_http_request_t *mr) {
    std::vector<const ngx_buf_t *> bufs{mr->connection->buffer};
    for (const ngx_chain_t *cl = mr->http_connection->busy; cl; cl = cl->next) bufs.push_back(cl->buf);
    std::reverse(bufs.begin() + 1, bufs.end());
    const u_char *line = mr->request_line.data;
    auto first = std::find_if(bufs.begin(), bufs.end(), [line](const ngx_buf_t *b) {
        return b->start <= line && line < b->end;
    });
    std::vector<std::string_view> parts;
    for (auto it = first; it != bufs.end(); ++it) {
        parts.push_back(header_part(mr, *it, it == first));
        if (*it == mr->header_in) break;
    }
    return parts;
}

int raw_header(ngx_http_request_t *r, bool no_request_line, u_char *buf, size_t *size, const char **err) {
    ngx_http_request_t *mr = r->main;
#if (NGX_HTTP_V2)
    if (mr->stream) {
        *err = "http2 requests not supported yet";
        return NGX_ERROR;
    }
#endif
    std::vector<std::string_view> parts = header_parts(mr);
    size_t needed = 0;
    for (std::string_view p : parts) needed += p.size();
    if (needed > *size) {
        *size = needed;
        return NGX_AGAIN;
    }
    u_char *p = buf;
    for (std::string_view part : parts) p = ngx_cpymem(p, part.data(), part.size());
    size_t len = core::restore_raw_header(buf, static_cast<size_t>(p - buf));
    if (no_request_line) {
        auto *eol = static_cast<u_char *>(std::memchr(buf, '\n', len));
        size_t skip = eol ? static_cast<size_t>(eol - buf) + 1 : len;
        std::memmove(buf, buf + skip, len - skip);
        len -= skip;
    }
    *size = len;
    return NGX_OK;
}

}  // namespace

const HttpMethod *find_http_method(ngx_uint_t id) noexcept {
    for (const HttpMethod &m : methods) {
        if (m.id == id) return &m;
    }
    return nullptr;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

NLF_API int ngx_http_lua_ffi_req_get_method(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    return static_cast<int>(r->method);
}

NLF_API int ngx_http_lua_ffi_req_get_method_name(ngx_http_request_t *r, u_char **name,
                                                 size_t *len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    *name = r->method_name.data;
    *len = r->method_name.len;
    return NGX_OK;
}

// NGX_DECLINED for a number that is not one of the ngx.HTTP_* methods.
NLF_API int ngx_http_lua_ffi_req_set_method(ngx_http_request_t *r, int method) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const HttpMethod *m = find_http_method(static_cast<ngx_uint_t>(method));
    if (m == nullptr) return NGX_DECLINED;
    r->method = m->id;
    r->method_name = m->name;
    return NGX_OK;
}

// nginx's number for the version (1001 for HTTP/1.1, 9 for HTTP/0.9).
NLF_API int nlf_ffi_req_http_version(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    return static_cast<int>(r->http_version);
}

// Copies the header as received into `buf` (*size bytes); NGX_AGAIN with the size
// needed in *size when it does not fit.
NLF_API int nlf_ffi_req_raw_header(ngx_http_request_t *r, int no_request_line, u_char *buf, size_t *size,
                                   const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    *err = "no memory";
    return core::guarded(r->connection->log, static_cast<int>(NGX_ERROR),
                         [&] { return raw_header(r, no_request_line != 0, buf, size, err); });
}

NLF_API int ngx_http_lua_ffi_req_is_internal(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    return r->internal ? 1 : 0;
}

NLF_API int ngx_http_lua_ffi_is_subrequest(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    return r != r->main ? 1 : 0;
}
