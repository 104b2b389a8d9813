// Request headers: ngx.req.get_headers, set_header, clear_header and ngx.req's
// add_header. Changes keep nginx's view consistent: the list later phases and
// proxy_pass read, the dedicated fields (headers_in.host, .cookies, ...) and what
// nginx derived from them (the server name, keep-alive, content length, ...).
#include "http/api/api.hpp"
#include "http/header_fields.hpp"
#include "core/pure/key_shapes.hpp"

#include <cstring>

namespace nlf::http {

namespace {

constexpr int default_max_headers = 100;

int header_limit(int max) noexcept {
    return max < 0 ? default_max_headers : max;
}

// Fields of headers_in that hold several entries (ngx_array_t of ngx_table_elt_t *).
bool is_array_field(ngx_uint_t offset) noexcept {
#if (NGX_HTTP_X_FORWARDED_FOR)
    if (offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)) return true;
#endif
    return offset == offsetof(ngx_http_headers_in_t, cookies);
}

template <typename T>
T &field_at(ngx_http_request_t *r, ngx_uint_t offset) noexcept {
    return *reinterpret_cast<T *>(reinterpret_cast<char *>(&r->headers_in) + offset);
}

// Points headers_in's dedicated fields at the list's entries again, as nginx's
// parser would have set them: after an edit they may be stale (removing an entry
// moves the ones after it).
bool relink_known_fields(ngx_http_request_t *r) noexcept {
    for (ngx_http_header_t *hh = ngx_http_headers_in; hh->name.len; ++hh) {
        if (hh->offset == 0) continue;
        if (is_array_field(hh->offset)) {
            field_at<ngx_array_t>(r, hh->offset).nelts = 0;
        } else {
            field_at<ngx_table_elt_t *>(r, hh->offset) = nullptr;
        }
    }
    auto *cmcf = static_cast<ngx_http_core_main_conf_t *>(
        ngx_http_get_module_main_conf(r, ngx_http_core_module));
    bool ok = true;
    for_each_field(r->headers_in.headers, [&](ngx_table_elt_t &h) {
        auto *hh = static_cast<ngx_http_header_t *>(
            ngx_hash_find(&cmcf->headers_in_hash, h.hash, h.lowcase_key, h.key.len));
        if (hh == nullptr || hh->offset == 0) return;
        if (is_array_field(hh->offset)) {
            auto &a = field_at<ngx_array_t>(r, hh->offset);
            if (a.nalloc == 0 && ngx_array_init(&a, r->pool, 2, sizeof(ngx_table_elt_t *)) != NGX_OK) {
                ok = false;
                return;
            }
            auto **slot = static_cast<ngx_table_elt_t **>(ngx_array_push(&a));
            if (slot == nullptr) {
                ok = false;
                return;
            }
            *slot = &h;
        } else if (field_at<ngx_table_elt_t *>(r, hh->offset) == nullptr) {
            field_at<ngx_table_elt_t *>(r, hh->offset) = &h;
        }
    });
    return ok;
}

// The browser flags nginx derives from User-Agent (ngx_http_process_user_agent).
void classify_user_agent(ngx_http_headers_in_t &in) noexcept {
    in.msie = in.msie6 = in.opera = in.gecko = in.chrome = in.safari = in.konqueror = 0;
    if (in.user_agent == nullptr) return;
    u_char *ua = in.user_agent->value.data;
    const u_char *end = ua + in.user_agent->value.len;
    auto contains = [ua](const char *s) {
        return ngx_strstrn(ua, const_cast<char *>(s), std::strlen(s) - 1) != nullptr;
    };
    if (u_char *msie = ngx_strstrn(ua, const_cast<char *>("MSIE "), 5 - 1); msie && msie + 7 < end) {
        in.msie = 1;
        if (msie[6] == '.' && (msie[5] == '4' || msie[5] == '5' ||
                               (msie[5] == '6' && ngx_strstrn(msie + 8, const_cast<char *>("SV1"), 3 - 1) == nullptr))) {
            in.msie6 = 1;
        }
    }
    if (contains("Opera")) {
        in.opera = 1;
        in.msie = in.msie6 = 0;
    }
    if (in.msie || in.opera) return;
    if (contains("Gecko/")) {
        in.gecko = 1;
    } else if (contains("Chrome/")) {
        in.chrome = 1;
    } else if (contains("Safari/") && contains("Mac OS X")) {
        in.safari = 1;
    } else if (contains("Konqueror")) {
        in.konqueror = 1;
    }
}

// Refuses a value nginx would refuse for a header it derives request state from.
bool acceptable(std::string_view name, FieldValues &values, const char *&err) noexcept {
    const bool host = same_name(name, "Host");
    const bool length = same_name(name, "Content-Length");
    for (size_t i = 0; i < values.size() && (host || length); ++i) {
        std::string_view v = values[i].view();
        if (host && core::host_length(v) < 0) {
            err = "invalid Host header value";
            return false;
        }
        if (length && ngx_atoof(reinterpret_cast<u_char *>(const_cast<char *>(v.data())), v.size()) == NGX_ERROR) {
            err = "invalid Content-Length header value";
            return false;
        }
    }
    return true;
}

// Updates what nginx derived from the header `name` when it parsed the request.
// False when out of memory.
bool update_derived(ngx_http_request_t *r, std::string_view name) noexcept {
    ngx_http_headers_in_t &in = r->headers_in;
    auto is = [name](std::string_view builtin) { return same_name(name, builtin); };
    if (is("Host")) {
        in.server = {0, nullptr};
        long len = in.host ? core::host_length(view(in.host->value)) : -1;
        if (len < 0) return true;
        auto *host = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
        if (host == nullptr) return false;
        ngx_strlow(host, in.host->value.data, len);
        in.server = {static_cast<size_t>(len), host};
    } else if (is("Connection")) {
        in.connection_type = 0;
        in.keep_alive_n = -1;
        if (in.connection == nullptr) return true;
        if (ngx_strcasestrn(in.connection->value.data, const_cast<char *>("close"), 5 - 1)) {
            in.connection_type = NGX_HTTP_CONNECTION_CLOSE;
        } else if (ngx_strcasestrn(in.connection->value.data, const_cast<char *>("keep-alive"), 10 - 1)) {
            in.connection_type = NGX_HTTP_CONNECTION_KEEP_ALIVE;
        }
    } else if (is("User-Agent")) {
        classify_user_agent(in);
    } else if (is("Content-Length")) {
        in.content_length_n = in.content_length ? ngx_atoof(in.content_length->value.data, in.content_length->value.len)
                                                : -1;
    } else if (is("Authorization")) {
        // nginx parses the credentials on first use: let it parse the new ones.
        in.user = {0, nullptr};
        in.passwd = {0, nullptr};
    }
    return true;
}

// Removes element i of `part` (of `list`); an emptied part other than the first is
// unlinked, since nginx's list walks expect every later part to hold elements.
void remove_field(ngx_list_t &list, ngx_list_part_t *prev, ngx_list_part_t *part, ngx_uint_t i) noexcept {
    auto *elts = static_cast<ngx_table_elt_t *>(part->elts);
    std::memmove(&elts[i], &elts[i + 1], (part->nelts - i - 1) * sizeof(ngx_table_elt_t));
    if (--part->nelts > 0 || prev == nullptr) return;
    prev->next = part->next;
    if (list.last == part) list.last = prev;
}

// Gives the first values.size() fields named `key` the new values in order and
// removes the others; returns how many values found a field (or -1: no memory).
long replace_fields(ngx_pool_t *pool, ngx_list_t &list, std::string_view key, FieldValues &values) noexcept {
    size_t used = 0;
    ngx_list_part_t *prev = nullptr;
    for (ngx_list_part_t *part = &list.part; part != nullptr;) {
        ngx_list_part_t *next = part->next;
        auto *elts = static_cast<ngx_table_elt_t *>(part->elts);
        for (ngx_uint_t i = 0; i < part->nelts;) {
            if (!has_name(elts[i], key)) {
                ++i;
            } else if (used < values.size()) {
                if (!values[used++].store(pool, elts[i].value)) return -1;
                ++i;
            } else {
                remove_field(list, prev, part, i);
            }
        }
        if (part->nelts > 0 || prev == nullptr) prev = part;
        part = next;
    }
    return static_cast<long>(used);
}

}  // namespace

int set_input_header(ngx_http_request_t *r, std::string_view name, const HeaderValues &given,
                     bool override, const char *&err) noexcept {
    // HTTP/0.9 requests have no header.
    if (r->http_version < NGX_HTTP_VERSION_10) return NGX_DECLINED;
    err = "no memory";
    FieldText key;
    FieldValues values;
    if (!key.prepare(r->pool, name, core::HeaderPart::name) || !values.prepare(r->pool, given, false, !override)) {
        return NGX_ERROR;
    }
    if (!acceptable(key.view(), values, err)) return NGX_ERROR;
    ngx_list_t &list = r->headers_in.headers;
    const long placed = override ? replace_fields(r->pool, list, key.view(), values) : 0;
    if (placed < 0) return NGX_ERROR;
    for (size_t i = static_cast<size_t>(placed); i < values.size(); ++i) {
        if (push_field(list, r->pool, key, values[i]) == nullptr) return NGX_ERROR;
    }
    return relink_known_fields(r) && update_derived(r, key.view()) ? NGX_OK : NGX_ERROR;
}

bool copy_request_headers(ngx_http_request_t *sr, ngx_http_request_t *from) noexcept {
    ngx_list_t &list = sr->headers_in.headers;
    if (ngx_list_init(&list, sr->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) return false;
    bool ok = true;
    for_each_field(from->headers_in.headers, [&](ngx_table_elt_t &h) {
        auto *copy = static_cast<ngx_table_elt_t *>(ngx_list_push(&list));
        if (copy == nullptr) {
            ok = false;
            return;
        }
        *copy = h;
    });
    // The arrays (cookies, ...) came with the parent's fields: relinking makes new ones.
    for (ngx_http_header_t *hh = ngx_http_headers_in; hh->name.len; ++hh) {
        if (hh->offset != 0 && is_array_field(hh->offset)) field_at<ngx_array_t>(sr, hh->offset) = {};
    }
    return ok && relink_known_fields(sr);
}

namespace {

core::FfiPair field_pair(const ngx_table_elt_t &h, bool raw) noexcept {
    return {{static_cast<int>(h.key.len), raw ? h.key.data : h.lowcase_key}, ffi_str(h.value)};
}

// Fills `out` with up to `capacity` of the first `count` fields.
void list_fields(ngx_http_request_t *r, core::FfiPair *out, int capacity, int count, bool raw) noexcept {
    int n = 0;
    const int limit = capacity < count ? capacity : count;
    for_each_field(r->headers_in.headers, [&](ngx_table_elt_t &h) {
        if (n < limit) out[n++] = field_pair(h, raw);
    });
}

int field_count(ngx_http_request_t *r) noexcept {
    int count = 0;
    for (ngx_list_part_t *part = &r->headers_in.headers.part; part; part = part->next) {
        count += static_cast<int>(part->nelts);
    }
    return count;
}

}  // namespace

bool set_request_content_length(ngx_http_request_t *r, off_t length) noexcept {
    u_char text[NGX_OFF_T_LEN];
    const auto len = static_cast<size_t>(ngx_sprintf(text, "%O", length) - text);
    const char *err = nullptr;
    const HeaderValues value({reinterpret_cast<const char *>(text), len}, nullptr, 0);
    const int rc = set_input_header(r, "Content-Length", value, true, err);
    r->headers_in.content_length_n = length;  // also for an HTTP/0.9 request, which has no header
    return rc != NGX_ERROR;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// Returns how many headers there are (at most `max`, -1 for the default 100, 0 for
// no limit) and fills `out` with as many as `capacity` allows: the caller calls again
// with more room when the count exceeds it. When the headers are what `*stamp` says
// they were (see request_stamp), returns NGX_DECLINED (what `out` got is then
// meaningless). `shapes` learns whether the names are those of a table made before (key_shapes).
NLF_API int nlf_ffi_req_get_headers(ngx_http_request_t *r, core::FfiPair *out, int capacity, int max,
                                    int raw, int *truncated, uint64_t *stamp, void *shapes) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const int limit = header_limit(max);  // 0: none
    const int room = limit > 0 && limit < capacity ? limit : capacity;
    // One pass stamps and lists: listing is a few stores, and a second walk over the
    // list would cost more when the stamp turns out unchanged.
    uint64_t now = request_stamp(r);
    int count = 0;
    for_each_field(r->headers_in.headers, [&](ngx_table_elt_t &h) {
        now = stamp_mix(stamp_mix(now, h.key), h.value);
        if (count < room) out[count] = field_pair(h, raw != 0);
        ++count;
    });
    if (now == *stamp) return NGX_DECLINED;
    *stamp = now;
    *truncated = limit > 0 && count > limit;
    if (*truncated) count = limit;
    core::key_shapes::find(shapes, out, count <= capacity ? count : 0, raw != 0);
    return count;
}

NLF_API int ngx_http_lua_ffi_req_get_headers_count(ngx_http_request_t *r, int max,
                                                   int *truncated) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    int count = field_count(r);
    const int limit = header_limit(max);
    *truncated = limit > 0 && count > limit;
    return *truncated ? limit : count;
}

NLF_API int ngx_http_lua_ffi_req_get_headers(ngx_http_request_t *r, core::FfiPair *out, int count,
                                             int raw) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    list_fields(r, out, count, count, raw != 0);
    return NGX_OK;
}

// With `override`, the header gets exactly the given values (none: it is removed);
// without, the values are added to the ones it has.
NLF_API int ngx_http_lua_ffi_req_set_header(ngx_http_request_t *r, const u_char *key, size_t key_len,
                                            const u_char *value, size_t value_len,
                                            const core::FfiStr *mvals, size_t mvals_len,
                                            int override, char **errmsg) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const char *err = nullptr;
    HeaderValues values({reinterpret_cast<const char *>(value), value ? value_len : 0}, mvals, mvals_len);
    status = set_input_header(r, {reinterpret_cast<const char *>(key), key_len}, values, override != 0, err);
    if (status == NGX_ERROR) *errmsg = const_cast<char *>(err);
    return status;
}
