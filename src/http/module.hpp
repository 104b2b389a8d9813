#pragma once
#include "ngx.hpp"

#include "api/shdict.hpp"
#include "core/lua_vm.hpp"

extern "C" ngx_module_t ngx_http_lua_ffi_module;

namespace nlf::http {

// Lua code bound to a directive: compiled inline code (a registry reference) or a
// file path loaded at first use.
struct LuaCode {
    int ref = LUA_NOREF;
    ngx_str_t file{};          // absolute path, for *_by_lua_file
    const char *directive{};   // "content_by_lua_block", for messages

    bool is_set() const noexcept { return ref != LUA_NOREF || file.len != 0; }
};

struct MainConf {
    core::Vm *vm = nullptr;
    ngx_str_t package_path{};
    ngx_str_t package_cpath{};
    LuaCode init;
    LuaCode init_worker;
    unsigned phases_used = 0;  // context bits of the phases some location runs Lua in
    api::shdict::ZoneSet *shared_dicts = nullptr;  // lua_shared_dict zones, if any
};

struct LocConf {
    LuaCode rewrite;
    LuaCode access;
    LuaCode content;
    LuaCode log;
    ngx_flag_t code_cache = NGX_CONF_UNSET;
    ngx_flag_t check_client_abort = NGX_CONF_UNSET;
};

inline MainConf *main_conf(ngx_http_request_t *r) {
    return static_cast<MainConf *>(ngx_http_get_module_main_conf(r, ngx_http_lua_ffi_module));
}

inline LocConf *loc_conf(ngx_http_request_t *r) {
    return static_cast<LocConf *>(ngx_http_get_module_loc_conf(r, ngx_http_lua_ffi_module));
}

// The VM of the configuration being read, created on first use.
core::Vm *conf_vm(ngx_conf_t *cf);

// Directive handlers (lua_directives.cpp).
char *set_lua_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

// Phase handlers (phases.cpp).
ngx_int_t rewrite_handler(ngx_http_request_t *r);
ngx_int_t access_handler(ngx_http_request_t *r);
ngx_int_t content_handler(ngx_http_request_t *r);
ngx_int_t log_handler(ngx_http_request_t *r);

// Pushes the function of `code` on the VM's stack; false (and logs) when a file
// cannot be loaded.
bool push_lua_code(core::Vm &vm, const LuaCode &code, bool code_cache, ngx_log_t *log);

}  // namespace nlf::http
