// Response headers: ngx.header.HEADER, ngx.resp.get_headers, ngx.resp.add_header and
// ngx.resp.set_status. Fields are never removed from headers_out.headers (other
// modules may point at them): a cleared field gets hash 0, which nginx skips, and
// is reused when the header is set again, so setting a header in a loop does not
// grow the list.
#include "http/api/api.hpp"
#include "http/header_fields.hpp"
#include "http/module.hpp"
#include "http/output.hpp"

#include <array>
#include <cstring>

namespace nlf::http {

namespace {

// Headers nginx keeps in a dedicated field of headers_out besides the list.
enum class Builtin {
    field,           // a pointer to the first field (WWW-Authenticate may repeat)
    single,          // a pointer; one value only (the last one given)
    suppressible,    // single, and nginx makes one up unless a (cleared) field is there
    location,        // single; left out of the pointer when relative (see below)
    content_length,  // single; also content_length_n
    last_modified,   // single; also last_modified_time
    list,            // an array of pointers (Cache-Control, Link)
    content_type,    // not in the list: content_type and content_type_len
};

struct BuiltinHeader {
    std::string_view name;
    ngx_uint_t offset;
    Builtin kind;
};

#define NLF_OUT(name, member, kind) {name, offsetof(ngx_http_headers_out_t, member), Builtin::kind}
const BuiltinHeader builtin_headers[] = {
    NLF_OUT("Server", server, suppressible),
    NLF_OUT("Date", date, suppressible),
    NLF_OUT("Content-Length", content_length, content_length),
    NLF_OUT("Content-Encoding", content_encoding, single),
    NLF_OUT("Location", location, location),
    NLF_OUT("Refresh", refresh, single),
    NLF_OUT("Last-Modified", last_modified, last_modified),
    NLF_OUT("Content-Range", content_range, single),
    NLF_OUT("Accept-Ranges", accept_ranges, single),
    NLF_OUT("WWW-Authenticate", www_authenticate, field),
    NLF_OUT("Expires", expires, single),
    NLF_OUT("ETag", etag, single),
    NLF_OUT("Cache-Control", cache_control, list),
    NLF_OUT("Link", link, list),
    NLF_OUT("Content-Type", content_type, content_type),
};
#undef NLF_OUT

const BuiltinHeader *find_builtin(std::string_view name) noexcept {
    for (const BuiltinHeader &b : builtin_headers) {
        if (same_name(b.name, name)) return &b;
    }
    return nullptr;
}

bool is_single(Builtin kind) noexcept {
    return kind != Builtin::field && kind != Builtin::list;
}

template <typename T>
T &field_at(ngx_http_request_t *r, ngx_uint_t offset) noexcept {
    return *reinterpret_cast<T *>(reinterpret_cast<char *>(&r->headers_out) + offset);
}

// `name` with '_' read as '-' (lua_transform_underscores_in_response_headers), written
// to `buf` (name.size() bytes) when that changes it.
std::string_view dashed(std::string_view name, u_char *buf) noexcept {
    if (name.find('_') == std::string_view::npos) return name;
    for (size_t i = 0; i < name.size(); ++i) buf[i] = name[i] == '_' ? '-' : name[i];
    return {reinterpret_cast<const char *>(buf), name.size()};
}

// A header name as the API uses it: escaped, '_' read as '-' unless the location says
// otherwise, and the builtin it is, if any.
struct ResolvedName {
    FieldText key;
    const BuiltinHeader *builtin;
};

// Resolves `name` for this call; `buf` (name.size() bytes) may hold the dashed name.
bool resolve(ngx_pool_t *pool, std::string_view name, bool transform, u_char *buf, ResolvedName &out) noexcept {
    if (!out.key.prepare(pool, transform ? dashed(name, buf) : name, core::HeaderPart::name)) return false;
    out.builtin = find_builtin(out.key.view());
    return true;
}

bool transforms(ngx_http_request_t *r) noexcept {
    return loc_conf(r)->transform_underscores != 0;
}

// ngx.header's names, resolved once per worker (both ways: the location decides).
struct HeaderName {
    ngx_str_t key[2];  // [1]: with '_' read as '-'
    const BuiltinHeader *builtin[2];
};

// Beyond this many names (built from request data), they are resolved on each call.
constexpr ngx_uint_t max_header_names = 512;

ResolvedName resolved(ngx_http_request_t *r, const HeaderName &n) noexcept {
    const int t = transforms(r) ? 1 : 0;
    return {FieldText::kept(n.key[t]), n.builtin[t]};
}

const HeaderName *header_name(ngx_http_request_t *r, int handle) noexcept {
    ngx_array_t *names = main_conf(r)->header_names;
    if (names == nullptr || handle < 0 || static_cast<ngx_uint_t>(handle) >= names->nelts) return nullptr;
    return static_cast<const HeaderName *>(names->elts) + handle;
}

// A cleared field keeps its value: setting the header to it again costs nothing.
void clear_field(ngx_table_elt_t &h) noexcept {
    h.hash = 0;
}

ngx_table_elt_t *first_field(ngx_http_request_t *r, std::string_view key, bool live) noexcept {
    ngx_table_elt_t *found = nullptr;
    for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
        if (!found && (h.hash != 0 || !live) && has_name(h, key)) found = &h;
    });
    return found;
}

// Points the builtin's dedicated field(s) at the header's live fields again and
// updates what nginx derives from them.
bool relink(ngx_http_request_t *r, const BuiltinHeader &b, FieldText &key, bool cleared) noexcept {
    if (b.kind == Builtin::list) {
        auto &a = field_at<ngx_array_t>(r, b.offset);
        if (a.elts == nullptr && ngx_array_init(&a, r->pool, 2, sizeof(ngx_table_elt_t *)) != NGX_OK) {
            return false;
        }
        a.nelts = 0;
        bool ok = true;
        for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
            if (h.hash == 0 || !has_name(h, key.view()) || !ok) return;
            auto **slot = static_cast<ngx_table_elt_t **>(ngx_array_push(&a));
            if (slot == nullptr) {
                ok = false;
            } else {
                *slot = &h;
            }
        });
        return ok;
    }
    ngx_table_elt_t *h = first_field(r, key.view(), true);
    if (h == nullptr && cleared && b.kind == Builtin::suppressible) {
        // nginx writes its own Server/Date unless the pointer is set: point it at a
        // cleared field.
        h = first_field(r, key.view(), false);
        if (h == nullptr) {
            FieldText none;
            if (!none.prepare(r->pool, "", core::HeaderPart::value) ||
                (h = push_field(r->headers_out.headers, r->pool, key, none)) == nullptr) {
                return false;
            }
            clear_field(*h);
        }
    }
    // A relative Location stays out of the pointer, or nginx would make it absolute.
    if (b.kind == Builtin::location && h && h->value.len && h->value.data[0] == '/') h = nullptr;
    field_at<ngx_table_elt_t *>(r, b.offset) = h;
    if (b.kind == Builtin::content_length) {
        r->headers_out.content_length_n = h ? ngx_atoof(h->value.data, h->value.len) : -1;
    } else if (b.kind == Builtin::last_modified) {
        r->headers_out.last_modified_time = h ? ngx_parse_http_time(h->value.data, h->value.len) : -1;
    }
    return true;
}

bool set_content_type(ngx_http_request_t *r, RequestCtx &ctx, FieldText *value) noexcept {
    ngx_http_headers_out_t &out = r->headers_out;
    if (value == nullptr) {
        out.content_type = {0, nullptr};
    } else if (!value->store(r->pool, out.content_type)) {
        return false;
    }
    const void *semicolon = out.content_type.len ? std::memchr(out.content_type.data, ';', out.content_type.len)
                                                 : nullptr;
    out.content_type_len = semicolon ? static_cast<size_t>(static_cast<const u_char *>(semicolon) -
                                                           out.content_type.data)
                                     : out.content_type.len;
    out.content_type_lowcase = nullptr;
    out.content_type_hash = 0;
    ctx.mime_set = true;
    // nginx writes the type from content_type: a field in the list would repeat it.
    for_each_field(out.headers, [](ngx_table_elt_t &h) {
        if (has_name(h, "Content-Type")) clear_field(h);
    });
    return true;
}

// Gives the fields named `key` the values in order (cleared ones included, so they
// are reused); the fields left over are cleared. Returns how many values were placed
// (-1: no memory).
long replace_fields(ngx_http_request_t *r, std::string_view key, FieldValues &values) noexcept {
    size_t used = 0;
    bool ok = true;
    for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
        if (!ok || !has_name(h, key)) return;
        if (used < values.size()) {
            ok = values[used++].store(r->pool, h.value);
            if (h.hash == 0) h.hash = ngx_hash_key_lc(h.key.data, h.key.len);
        } else {
            clear_field(h);
        }
    });
    return ok ? static_cast<long>(used) : -1;
}

int set_output_header(ngx_http_request_t *r, RequestCtx &ctx, ResolvedName &name, const HeaderValues &given,
                      bool override, const char *&err) noexcept {
    if (r->header_sent) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "attempt to set ngx.header.HEADER after sending out response headers");
        return NGX_DECLINED;
    }
    err = "no memory";
    FieldText &key = name.key;
    const BuiltinHeader *builtin = name.builtin;
    FieldValues values;
    if (!values.prepare(r->pool, given, builtin && is_single(builtin->kind))) return NGX_ERROR;
    if (builtin && builtin->kind == Builtin::content_length && values.size() > 0) {
        std::string_view v = values[0].view();
        if (ngx_atoof(reinterpret_cast<u_char *>(const_cast<char *>(v.data())), v.size()) == NGX_ERROR) {
            err = "invalid Content-Length header value";
            return NGX_ERROR;
        }
    }
    if (builtin && builtin->kind == Builtin::content_type) {
        return set_content_type(r, ctx, values.size() ? &values[0] : nullptr) ? NGX_OK : NGX_ERROR;
    }
    // ngx.resp.add_header replaces a single-valued builtin, as ngx.header does.
    if (builtin && is_single(builtin->kind)) override = true;
    const long placed = override ? replace_fields(r, key.view(), values) : 0;
    if (placed < 0) return NGX_ERROR;
    for (size_t i = static_cast<size_t>(placed); i < values.size(); ++i) {
        if (push_field(r->headers_out.headers, r->pool, key, values[i]) == nullptr) return NGX_ERROR;
    }
    if (builtin && !relink(r, *builtin, key, values.size() == 0)) return NGX_ERROR;
    return NGX_OK;
}

// Text of a number nginx generates the header from, valid until the next call.
core::FfiStr number_text(off_t n) noexcept {
    static u_char text[NGX_OFF_T_LEN];
    return {static_cast<int>(ngx_snprintf(text, sizeof(text), "%O", n) - text), text};
}

// Fills `values` with up to `max` values of the header; returns how many.
int get_output_header(ngx_http_request_t *r, const RequestCtx &ctx, const ResolvedName &name,
                      core::FfiStr *values, int max, char **errmsg) noexcept {
    const ngx_http_headers_out_t &out = r->headers_out;
    const Builtin kind = name.builtin ? name.builtin->kind : Builtin::field;
    if (kind == Builtin::content_length && out.content_length == nullptr && out.content_length_n >= 0) {
        values[0] = number_text(out.content_length_n);
        return 1;
    }
    if (kind == Builtin::content_type) {
        if (!apply_default_content_type(ctx)) {
            *errmsg = const_cast<char *>("failed to set default content type");
            return NGX_ERROR;
        }
        if (out.content_type.len == 0) return 0;
        values[0] = ffi_str(out.content_type);
        return 1;
    }
    int n = 0;
    const std::string_view key = name.key.view();
    for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
        if (n < max && h.hash != 0 && has_name(h, key)) values[n++] = ffi_str(h.value);
    });
    return n;
}

// The headers nginx writes from dedicated fields rather than from the list.
struct GeneratedHeaders {
    core::FfiPair pairs[4];
    int count = 0;

    void add(std::string_view name, core::FfiStr value) noexcept {
        pairs[count++] = {{static_cast<int>(name.size()), reinterpret_cast<const u_char *>(name.data())}, value};
    }
};

GeneratedHeaders generated_headers(ngx_http_request_t *r) noexcept {
    GeneratedHeaders g;
    const ngx_http_headers_out_t &out = r->headers_out;
    if (out.content_type.len) g.add("content-type", ffi_str(out.content_type));
    if (out.content_length == nullptr && out.content_length_n >= 0) {
        g.add("content-length", number_text(out.content_length_n));
    }
    const char *connection = out.status == NGX_HTTP_SWITCHING_PROTOCOLS ? "upgrade"
                             : r->keepalive                             ? "keep-alive"
                                                                        : "close";
    g.add("connection", {static_cast<int>(std::strlen(connection)), reinterpret_cast<const u_char *>(connection)});
    if (r->chunked) g.add("transfer-encoding", {7, reinterpret_cast<const u_char *>("chunked")});
    return g;
}

// Lists the response headers into `buf` (aligned for core::FfiPair): the pairs, then
// the lower-cased names unless `raw`. NGX_AGAIN with the size needed in *size.
int list_headers(ngx_http_request_t *r, const RequestCtx &ctx, u_char *buf, size_t *size, int max, bool raw,
                 int *truncated) noexcept {
    if (!apply_default_content_type(ctx)) return NGX_ERROR;
    GeneratedHeaders g = generated_headers(r);
    int fields = 0;
    size_t names = 0;
    for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
        if (h.hash == 0) return;
        ++fields;
        names += h.key.len;
    });
    const int limit = max < 0 ? 100 : max;
    int count = g.count + fields;
    *truncated = limit > 0 && count > limit;
    if (*truncated) count = limit;
    const size_t needed = static_cast<size_t>(count) * sizeof(core::FfiPair) + (raw ? 0 : names);
    if (needed > *size) {
        *size = needed;
        return NGX_AGAIN;
    }
    auto *out = reinterpret_cast<core::FfiPair *>(buf);
    u_char *text = buf + static_cast<size_t>(count) * sizeof(core::FfiPair);
    int n = 0;
    for (; n < g.count && n < count; ++n) out[n] = g.pairs[n];
    for_each_field(r->headers_out.headers, [&](ngx_table_elt_t &h) {
        if (h.hash == 0 || n >= count) return;
        out[n].key = ffi_str(h.key);
        if (!raw) {
            ngx_strlow(text, h.key.data, h.key.len);
            out[n].key.data = text;
            text += h.key.len;
        }
        out[n++].value = ffi_str(h.value);
    });
    return n;
}

}  // namespace

bool set_redirect_location(ngx_http_request_t *r, RequestCtx &ctx, std::string_view uri) noexcept {
    static constexpr std::string_view location = "Location";
    std::array<u_char, location.size()> buf;
    ResolvedName name;
    if (!resolve(r->pool, location, false, buf.data(), name)) return false;
    const char *err = nullptr;
    return set_output_header(r, ctx, name, HeaderValues(uri, nullptr, 0), true, err) == NGX_OK;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// With `override` (ngx.header), the header gets exactly the given values (none when
// `is_nil` or an empty table: it is cleared); without (ngx.resp.add_header), they
// are added. After the header is sent: logs an error, changes nothing, NGX_DECLINED.
NLF_API int ngx_http_lua_ffi_set_resp_header(ngx_http_request_t *r, const u_char *key_data, size_t key_len,
                                             int is_nil, const u_char *sval, size_t sval_len,
                                             const core::FfiStr *mvals, size_t mvals_len, int override,
                                             char **errmsg) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    std::string_view text{reinterpret_cast<const char *>(key_data), key_len};
    std::array<u_char, 256> stack_buf;
    auto *buf = key_len <= stack_buf.size() ? stack_buf.data() : static_cast<u_char *>(ngx_pnalloc(r->pool, key_len));
    ResolvedName name;
    if (buf == nullptr || !resolve(r->pool, text, transforms(r), buf, name)) {
        *errmsg = const_cast<char *>("no memory");
        return NGX_ERROR;
    }
    HeaderValues values(is_nil ? std::string_view{} : std::string_view{reinterpret_cast<const char *>(sval), sval_len},
                        is_nil ? nullptr : mvals, mvals_len);
    const char *err = nullptr;
    status = set_output_header(r, *ctx, name, values, override != 0, err);
    if (status == NGX_ERROR) *errmsg = const_cast<char *>(err);
    return status;
}

struct SetRespHeaderParams {
    ngx_http_request_t *r;
    const u_char *key_data;
    size_t key_len;
    int is_nil;
    const u_char *sval;
    size_t sval_len;
    const core::FfiStr *mvals;
    size_t mvals_len;
    int override;
    char **errmsg;
};

// The same with its arguments in a struct, as resty.core calls it on macOS.
NLF_API int ngx_http_lua_ffi_set_resp_header_macos(SetRespHeaderParams *p) noexcept {
    return ngx_http_lua_ffi_set_resp_header(p->r, p->key_data, p->key_len, p->is_nil, p->sval, p->sval_len,
                                            p->mvals, p->mvals_len, p->override, p->errmsg);
}

// Fills `values` with up to `max_nvalues` values of the header; returns how many.
// `key_buf` (key_len bytes) receives the name with '_' read as '-'.
NLF_API int ngx_http_lua_ffi_get_resp_header(ngx_http_request_t *r, const u_char *key, size_t key_len,
                                             u_char *key_buf, core::FfiStr *values, int max_nvalues,
                                             char **errmsg) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    ResolvedName name;
    if (!resolve(r->pool, {reinterpret_cast<const char *>(key), key_len}, transforms(r), key_buf, name)) {
        *errmsg = const_cast<char *>("no memory");
        return NGX_ERROR;
    }
    return get_output_header(r, *ctx, name, values, max_nvalues, errmsg);
}

// A handle for the header name `name`, resolved once per worker (ngx.header reads
// and writes through it); NGX_DECLINED when the table is full: the caller uses the
// by-name functions then.
NLF_API int nlf_ffi_resp_header_handle(ngx_http_request_t *r, const u_char *name, size_t len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    MainConf *mcf = main_conf(r);
    ngx_pool_t *pool = config_pool(r);
    if (mcf->header_names == nullptr) {
        mcf->header_names = ngx_array_create(pool, 16, sizeof(HeaderName));
        if (mcf->header_names == nullptr) return NGX_DECLINED;
    }
    if (mcf->header_names->nelts >= max_header_names) return NGX_DECLINED;
    auto *buf = static_cast<u_char *>(ngx_pnalloc(pool, len ? len : 1));
    if (buf == nullptr) return NGX_DECLINED;
    HeaderName n{};
    for (int t = 0; t < 2; ++t) {
        ResolvedName rn;
        if (!resolve(pool, {reinterpret_cast<const char *>(name), len}, t == 1, buf, rn) ||
            !rn.key.store(pool, n.key[t])) {
            return NGX_DECLINED;
        }
        n.builtin[t] = rn.builtin;
    }
    auto *slot = static_cast<HeaderName *>(ngx_array_push(mcf->header_names));
    if (slot == nullptr) return NGX_DECLINED;
    *slot = n;
    return static_cast<int>(mcf->header_names->nelts - 1);
}

// ngx_http_lua_ffi_set_resp_header through a handle.
NLF_API int nlf_ffi_resp_header_set(ngx_http_request_t *r, int handle, int is_nil, const u_char *sval,
                                    size_t sval_len, const core::FfiStr *mvals, size_t mvals_len, int override,
                                    char **errmsg) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    const HeaderName *hn = header_name(r, handle);
    if (hn == nullptr) {
        *errmsg = const_cast<char *>("bad header handle");
        return NGX_ERROR;
    }
    ResolvedName name = resolved(r, *hn);
    HeaderValues values(is_nil ? std::string_view{} : std::string_view{reinterpret_cast<const char *>(sval), sval_len},
                        is_nil ? nullptr : mvals, mvals_len);
    const char *err = nullptr;
    status = set_output_header(r, *ctx, name, values, override != 0, err);
    if (status == NGX_ERROR) *errmsg = const_cast<char *>(err);
    return status;
}

// ngx_http_lua_ffi_get_resp_header through a handle.
NLF_API int nlf_ffi_resp_header_get(ngx_http_request_t *r, int handle, core::FfiStr *values, int max_nvalues,
                                    char **errmsg) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    const HeaderName *hn = header_name(r, handle);
    if (hn == nullptr) {
        *errmsg = const_cast<char *>("bad header handle");
        return NGX_ERROR;
    }
    return get_output_header(r, *ctx, resolved(r, *hn), values, max_nvalues, errmsg);
}

// All response headers (see list_headers); returns how many were listed.
NLF_API int nlf_ffi_resp_get_headers(ngx_http_request_t *r, u_char *buf, size_t *size, int max, int raw,
                                     int *truncated) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, request_contexts, status);
    if (ctx == nullptr) return status;
    return list_headers(r, *ctx, buf, size, max, raw != 0, truncated);
}

// The status, and the reason phrase of the status line when `reason_len` > 0. 101 gets
// its reason phrase always, as OpenResty: nginx has none for it, and WebSocket clients
// read it.
NLF_API int ngx_http_lua_ffi_set_resp_status_and_reason(ngx_http_request_t *r, int status, const char *reason,
                                                        size_t reason_len) noexcept {
    int rc;
    if (api_ctx(r, request_contexts, rc) == nullptr) return rc;
    if (status < 100 || status > 999) return NGX_ERROR;
    if (r->header_sent) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "attempt to set ngx.status after sending out response headers");
        return NGX_DECLINED;
    }
    ngx_str_t line{0, nullptr};
    if (status == NGX_HTTP_SWITCHING_PROTOCOLS) {
        ngx_str_set(&line, "101 Switching Protocols");
    } else if (reason_len > 0) {
        std::string_view text{reason, reason_len};
        const size_t len = 4 + reason_len + 2 * core::header_escapes(text, core::HeaderPart::value);
        line.data = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
        if (line.data == nullptr) return NGX_ERROR;
        u_char *p = ngx_sprintf(line.data, "%03d ", status);
        line.len = static_cast<size_t>(core::escape_header(p, text, core::HeaderPart::value) - line.data);
    }
    r->headers_out.status = static_cast<ngx_uint_t>(status);
    r->headers_out.status_line = line;
    r->err_status = 0;
    return NGX_OK;
}

// ngx.status = status: the status line is nginx's for the code (101's is ours, above).
NLF_API int ngx_http_lua_ffi_set_resp_status(ngx_http_request_t *r, int status) noexcept {
    return ngx_http_lua_ffi_set_resp_status_and_reason(r, status, nullptr, 0);
}
