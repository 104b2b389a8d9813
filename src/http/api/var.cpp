// ngx.var: nginx variables by name. The Lua side asks once per name for a handle, a
// slot in a per-worker table (MainConf::variables) that remembers how to reach the
// variable: its index, its ngx_http_variable_t (found once in variables_hash), the
// string of the request it is, or the prefix variable ($http_, $arg_, ...) with the
// full name it needs. Reads and writes then go through the handle: no name is
// hashed on the hot path.
#include "http/api/api.hpp"
#include "http/module.hpp"

#include <cstring>

namespace nlf::http {

namespace {

// Beyond this many names (code that builds names from request data), ngx.var looks
// each one up by name rather than growing the table.
constexpr ngx_uint_t max_handles = 1024;

enum class VarKind { indexed, hashed, request_str, prefixed, missing };

struct VarRef {
    VarKind kind;
    ngx_http_variable_t *var;  // the variable, or the prefix variable for `prefixed`
    ngx_str_t name;            // lower case
};

// nginx reads $uri, $args, $request_uri, ... with one handler that returns an
// ngx_str_t of the request (at the offset in the variable's data). It is found as
// $uri's; variables with that handler are read from the request directly: filling
// and reading nginx's value (its bit-fields) costs a store-forwarding stall that
// was half the time of a read.
ngx_http_get_variable_pt request_str_handler(ngx_http_core_main_conf_t *cmcf) noexcept {
    static ngx_http_get_variable_pt handler = [cmcf] {
        u_char uri[] = "uri";
        auto *v = static_cast<ngx_http_variable_t *>(
            ngx_hash_find(&cmcf->variables_hash, ngx_hash_key(uri, 3), uri, 3));
        return v ? v->get_handler : nullptr;
    }();
    return handler;
}

ngx_http_core_main_conf_t *core_main_conf(ngx_http_request_t *r) noexcept {
    return static_cast<ngx_http_core_main_conf_t *>(ngx_http_get_module_main_conf(r, ngx_http_core_module));
}

// Finds how to reach the variable `name` (lower case), as ngx_http_get_variable does.
VarRef lookup(ngx_http_request_t *r, const ngx_str_t &name, ngx_uint_t hash) noexcept {
    ngx_http_core_main_conf_t *cmcf = core_main_conf(r);
    auto *v = static_cast<ngx_http_variable_t *>(ngx_hash_find(&cmcf->variables_hash, hash, name.data, name.len));
    if (v != nullptr) {
        if (v->flags & NGX_HTTP_VAR_INDEXED) return {VarKind::indexed, v, name};
        if (v->get_handler && v->get_handler == request_str_handler(cmcf)) return {VarKind::request_str, v, name};
        return {VarKind::hashed, v, name};
    }
    ngx_http_variable_t *best = nullptr;
    auto *prefixes = static_cast<ngx_http_variable_t *>(cmcf->prefix_variables.elts);
    for (ngx_uint_t i = 0; i < cmcf->prefix_variables.nelts; ++i) {
        ngx_http_variable_t &p = prefixes[i];
        if (name.len >= p.name.len && (best == nullptr || p.name.len > best->name.len) &&
            ngx_strncmp(name.data, p.name.data, p.name.len) == 0) {
            best = &p;
        }
    }
    return {best ? VarKind::prefixed : VarKind::missing, best, name};
}

int get_value(ngx_http_request_t *r, VarRef &ref, u_char **value, size_t *len) noexcept {
    ngx_http_variable_value_t *vv = nullptr;
    ngx_http_variable_value_t local{};
    switch (ref.kind) {
    case VarKind::indexed:
        vv = ngx_http_get_flushed_variable(r, ref.var->index);
        break;
    case VarKind::request_str: {
        const auto &s = *reinterpret_cast<const ngx_str_t *>(reinterpret_cast<const char *>(r) + ref.var->data);
        if (s.data == nullptr) return NGX_DECLINED;
        *value = s.data;
        *len = s.len;
        return NGX_OK;
    }
    case VarKind::hashed:
        // A value on the stack, where nginx would allocate one per read.
        if (ref.var->get_handler && ref.var->get_handler(r, &local, ref.var->data) == NGX_OK) vv = &local;
        break;
    case VarKind::prefixed:
        if (ref.var->get_handler(r, &local, reinterpret_cast<uintptr_t>(&ref.name)) == NGX_OK) vv = &local;
        break;
    case VarKind::missing:
        break;
    }
    if (vv == nullptr || vv->not_found) return NGX_DECLINED;
    *value = vv->data;
    *len = vv->len;
    return NGX_OK;
}

// Copies a message into the caller's buffer (*errlen bytes; on return, the length).
int fail(u_char *errbuf, size_t *errlen, const char *fmt, const ngx_str_t &name) noexcept {
    *errlen = static_cast<size_t>(ngx_snprintf(errbuf, *errlen, fmt, &name, &name) - errbuf);
    return NGX_ERROR;
}

int set_value(ngx_http_request_t *r, const VarRef &ref, const u_char *value, size_t len, bool clear,
              u_char *errbuf, size_t *errlen) noexcept {
    if (ref.kind == VarKind::prefixed || ref.kind == VarKind::missing) {
        return fail(errbuf, errlen,
                    "variable \"%V\" not found for writing; maybe it is a built-in variable that "
                    "is not changeable or you forgot to use \"set $%V '';\" in the config file to "
                    "define it first",
                    ref.name);
    }
    ngx_http_variable_t *v = ref.var;
    if (!(v->flags & NGX_HTTP_VAR_CHANGEABLE)) return fail(errbuf, errlen, "variable \"%V\" not changeable", ref.name);
    if (v->set_handler == nullptr && !(v->flags & NGX_HTTP_VAR_INDEXED)) {
        return fail(errbuf, errlen, "variable \"%V\" cannot be assigned a value", ref.name);
    }
    // nginx keeps the value as given: it needs a copy that lives with the request.
    auto *vv = static_cast<ngx_http_variable_value_t *>(
        ngx_palloc(r->pool, sizeof(ngx_http_variable_value_t) + len));
    if (vv == nullptr) return fail(errbuf, errlen, "no memory", ref.name);
    *vv = {};
    if (clear) {
        vv->not_found = 1;
    } else {
        auto *data = reinterpret_cast<u_char *>(vv + 1);
        if (len) std::memcpy(data, value, len);
        vv->data = data;
        vv->len = static_cast<unsigned>(len);
        vv->valid = 1;
    }
    if (v->set_handler) {
        v->set_handler(r, vv, v->data);
        // A cached value of the variable would hide the new one.
        if (v->flags & NGX_HTTP_VAR_INDEXED) r->variables[v->index] = {};
    } else {
        r->variables[v->index] = *vv;
    }
    return NGX_OK;
}

// The variable `name` lowered into `lowcase` (name_len bytes, caller-provided).
VarRef lookup_by_name(ngx_http_request_t *r, const u_char *name, size_t name_len, u_char *lowcase) noexcept {
    ngx_uint_t hash = ngx_hash_strlow(lowcase, const_cast<u_char *>(name), name_len);
    return lookup(r, {name_len, lowcase}, hash);
}

VarRef *handle_ref(ngx_http_request_t *r, int handle) noexcept {
    ngx_array_t *refs = main_conf(r)->variables;
    if (refs == nullptr || handle < 0 || static_cast<ngx_uint_t>(handle) >= refs->nelts) return nullptr;
    return static_cast<VarRef *>(refs->elts) + handle;
}

}  // namespace

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// A handle for the variable `name` (any case); NGX_DECLINED when the table is full,
// in which case the caller uses the by-name functions.
NLF_API int nlf_ffi_var_handle(ngx_http_request_t *r, const u_char *name, size_t len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    MainConf *mcf = main_conf(r);
    ngx_pool_t *pool = config_pool(r);
    if (mcf->variables == nullptr) {
        mcf->variables = ngx_array_create(pool, 16, sizeof(VarRef));
        if (mcf->variables == nullptr) return NGX_DECLINED;
    }
    if (mcf->variables->nelts >= max_handles) return NGX_DECLINED;
    auto *lowcase = static_cast<u_char *>(ngx_pnalloc(pool, len ? len : 1));
    if (lowcase == nullptr) return NGX_DECLINED;
    VarRef ref = lookup_by_name(r, name, len, lowcase);
    auto *slot = static_cast<VarRef *>(ngx_array_push(mcf->variables));
    if (slot == nullptr) return NGX_DECLINED;
    *slot = ref;
    return static_cast<int>(mcf->variables->nelts - 1);
}

// NGX_OK with the value, NGX_DECLINED when the variable has none (nil).
NLF_API int nlf_ffi_var_get(ngx_http_request_t *r, int handle, u_char **value, size_t *len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    VarRef *ref = handle_ref(r, handle);
    return ref ? get_value(r, *ref, value, len) : NGX_ERROR;
}

NLF_API int nlf_ffi_var_set(ngx_http_request_t *r, int handle, const u_char *value, size_t len, int clear,
                            u_char *errbuf, size_t *errlen) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    VarRef *ref = handle_ref(r, handle);
    if (ref == nullptr) {
        *errlen = 0;
        return NGX_ERROR;
    }
    return set_value(r, *ref, value, len, clear != 0, errbuf, errlen);
}

// The n-th capture of the location's regex ($1 ...): NGX_DECLINED when there is none.
NLF_API int nlf_ffi_var_capture(ngx_http_request_t *r, int n, u_char **value, size_t *len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (n <= 0 || r->captures == nullptr || r->captures_data == nullptr) return NGX_DECLINED;
    const ngx_uint_t i = static_cast<ngx_uint_t>(n) * 2;
    if (i >= r->ncaptures) return NGX_DECLINED;
    *value = r->captures_data + r->captures[i];
    *len = static_cast<size_t>(r->captures[i + 1] - r->captures[i]);
    return NGX_OK;
}

NLF_API int ngx_http_lua_ffi_var_get(ngx_http_request_t *r, const u_char *name, size_t name_len,
                                     u_char *lowcase_buf, int capture_id, u_char **value, size_t *value_len,
                                     char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) {
        *err = const_cast<char *>(status == kNoRequest ? "no request ctx found" : "API disabled in the current context");
        return NGX_ERROR;
    }
    if (name == nullptr) return nlf_ffi_var_capture(r, capture_id, value, value_len);
    VarRef ref = lookup_by_name(r, name, name_len, lowcase_buf);
    return get_value(r, ref, value, value_len);
}

NLF_API int ngx_http_lua_ffi_var_set(ngx_http_request_t *r, const u_char *name, size_t name_len,
                                     u_char *lowcase_buf, const u_char *value, size_t value_len,
                                     u_char *errbuf, size_t *errlen) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) {
        const char *msg = status == kNoRequest ? "no request ctx found" : "API disabled in the current context";
        return core::set_ffi_error(errbuf, errlen, msg);
    }
    VarRef ref = lookup_by_name(r, name, name_len, lowcase_buf);
    return set_value(r, ref, value, value_len, value == nullptr, errbuf, errlen);
}
