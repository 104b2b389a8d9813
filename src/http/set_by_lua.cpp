// set_by_lua*: Lua that computes a variable, run in order with the rewrite module's
// `set` and `if`. Like `set`, it compiles into the rewrite module's script codes: our
// code runs the Lua and pushes its result, nginx's own set-variable code stores it.
// This is what NDK does for OpenResty; we need no NDK.
#include "http/module.hpp"
#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

#include <new>

extern "C" {
extern ngx_module_t ngx_http_rewrite_module;
}

namespace nlf::http {

namespace {

// The rewrite module's location configuration (private to ngx_http_rewrite_module.c;
// its layout has not changed since nginx 0.x, and NDK relies on it too).
struct RewriteLocConf {
    ngx_array_t *codes;
    ngx_uint_t stack_size;
    ngx_flag_t log;
    ngx_flag_t uninitialized_variable_warn;
};

struct SetByLua {
    LuaCode code;
    ngx_http_complex_value_t *args;
    ngx_uint_t nargs;
};

struct SetCode {
    ngx_http_script_code_pt code;
    SetByLua *set;
};

// A zero code stops the rewrite module's script engine (nginx's own is static).
uintptr_t script_end = 0;

void fail_script(ngx_http_script_engine_t *e) {
    e->ip = reinterpret_cast<u_char *>(&script_end);
    e->status = NGX_HTTP_INTERNAL_SERVER_ERROR;
}

// Runs the Lua, pushes its first result (a string or number; nil is "") for the
// set-variable code that follows.
bool push_result(ngx_http_script_engine_t *e, const SetByLua &set) {
    ngx_http_request_t *r = e->request;
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return false;
    auto *args = static_cast<ngx_str_t *>(ngx_palloc(r->pool, sizeof(ngx_str_t) * (set.nargs + 1)));
    if (args == nullptr) return false;
    for (ngx_uint_t i = 0; i < set.nargs; ++i) {
        if (ngx_http_complex_value(r, &set.args[i], &args[i]) != NGX_OK) return false;
    }
    core::ScopedThread thread(*main_conf(r)->vm);
    lua_State *co = thread.co();
    ctx->set_args = args;
    ctx->set_nargs = set.nargs;
    SyncStatus status = run_sync(*ctx, set.code, core::ctx_set, co);
    ctx->set_args = nullptr;
    ctx->set_nargs = 0;
    if (status != SyncStatus::done) return false;

    ngx_str_t value = ngx_null_string;
    if (lua_gettop(co) >= 1) {
        const int type = lua_type(co, 1);
        if (type == LUA_TSTRING || type == LUA_TNUMBER) {
            size_t len;
            const char *s = lua_tolstring(co, 1, &len);
            value.data = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
            if (value.data == nullptr && len != 0) return false;
            if (len != 0) ngx_memcpy(value.data, s, len);
            value.len = len;
        } else if (type != LUA_TNIL) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "failed to run set_by_lua*: the value must be a string, a number or nil, not %s",
                          lua_typename(co, type));
            return false;
        }
    }
    e->sp->data = value.data;
    e->sp->len = value.len;
    e->sp->valid = 1;
    e->sp->no_cacheable = 0;
    e->sp->not_found = 0;
    e->sp++;
    return true;
}

void run_set_code(ngx_http_script_engine_t *e) {
    const auto *code = reinterpret_cast<SetCode *>(e->ip);
    e->ip += sizeof(SetCode);
    if (!core::guarded(e->request->connection->log, false, [&] { return push_result(e, *code->set); })) {
        fail_script(e);
    }
}

// A variable that `set_by_lua` defines reads as empty until it is set, as `set`'s.
ngx_int_t empty_variable(ngx_http_request_t *, ngx_http_variable_value_t *v, uintptr_t) {
    *v = ngx_http_variable_null_value;
    return NGX_OK;
}

// Adds the codes: ours, then nginx's code that stores the value in the variable.
char *add_codes(ngx_conf_t *cf, ngx_str_t name, SetByLua *set) {
    ngx_http_variable_t *v = ngx_http_add_variable(cf, &name, NGX_HTTP_VAR_CHANGEABLE);
    if (v == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    ngx_int_t index = ngx_http_get_variable_index(cf, &name);
    if (index == NGX_ERROR) return static_cast<char *>(NGX_CONF_ERROR);
    if (v->get_handler == nullptr && !view(name).starts_with("http_") && !view(name).starts_with("sent_http_") &&
        !view(name).starts_with("cookie_") && !view(name).starts_with("arg_")) {
        v->get_handler = empty_variable;
        v->data = index;
    }

    auto *rlcf = static_cast<RewriteLocConf *>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_rewrite_module));
    auto *code = static_cast<SetCode *>(ngx_http_script_start_code(cf->pool, &rlcf->codes, sizeof(SetCode)));
    if (code == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    code->code = run_set_code;
    code->set = set;
    if (v->set_handler) {
        auto *vhcode = static_cast<ngx_http_script_var_handler_code_t *>(
            ngx_http_script_start_code(cf->pool, &rlcf->codes, sizeof(ngx_http_script_var_handler_code_t)));
        if (vhcode == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
        vhcode->code = ngx_http_script_var_set_handler_code;
        vhcode->handler = v->set_handler;
        vhcode->data = v->data;
    } else {
        auto *vcode = static_cast<ngx_http_script_var_code_t *>(
            ngx_http_script_start_code(cf->pool, &rlcf->codes, sizeof(ngx_http_script_var_code_t)));
        if (vcode == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
        vcode->code = ngx_http_script_set_var_code;
        vcode->index = static_cast<uintptr_t>(index);
    }
    return NGX_CONF_OK;
}

char *configure(ngx_conf_t *cf, ngx_command_t *cmd) {
    auto *value = static_cast<ngx_str_t *>(cf->args->elts);
    ngx_str_t name = value[1];
    if (name.len < 2 || name.data[0] != '$') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid variable name \"%V\"", &name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    name.data++;
    name.len--;

    auto *set = static_cast<SetByLua *>(ngx_pcalloc(cf->pool, sizeof(SetByLua)));
    if (set == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    new (&set->code) LuaCode();
    set->code.directive = reinterpret_cast<const char *>(cmd->name.data);

    const std::string_view directive = view(cmd->name);
    const bool block = cmd->type & NGX_CONF_BLOCK;
    char *rv = directive.ends_with("_file")
                   ? resolve_lua_file(cf, value[2], set->code, true)
                   : compile_lua_argument(cf, directive, block, block ? ngx_str_t{} : value[2], set->code);
    if (rv != NGX_CONF_OK) return rv;

    const ngx_uint_t first_arg = block ? 2 : 3;
    set->nargs = cf->args->nelts > first_arg ? cf->args->nelts - first_arg : 0;
    if (set->nargs) {
        set->args = static_cast<ngx_http_complex_value_t *>(
            ngx_pcalloc(cf->pool, sizeof(ngx_http_complex_value_t) * set->nargs));
        if (set->args == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
        for (ngx_uint_t i = 0; i < set->nargs; ++i) {
            ngx_http_compile_complex_value_t ccv{};
            ccv.cf = cf;
            ccv.value = &value[first_arg + i];
            ccv.complex_value = &set->args[i];
            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) return static_cast<char *>(NGX_CONF_ERROR);
        }
    }
    return add_codes(cf, name, set);
}

}  // namespace

char *set_by_lua(ngx_conf_t *cf, ngx_command_t *cmd, void *) {
    return core::guarded(cf->log, static_cast<char *>(NGX_CONF_ERROR), [&] { return configure(cf, cmd); });
}

}  // namespace nlf::http
