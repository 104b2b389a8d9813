#pragma once
#include "ngx_http.hpp"

#include "api/errlog.hpp"
#include "api/shdict.hpp"
#include "core/lua_vm.hpp"

extern "C" ngx_module_t ngx_http_lua_ffi_module;

namespace nlf::http {

// Lua code bound to a directive: compiled inline code (a registry reference) or a
// file path loaded at first use.
struct LuaCode {
    int ref = LUA_NOREF;
    ngx_str_t file{};          // absolute path, for *_by_lua_file
    // The path when it holds nginx variables: evaluated for each request.
    ngx_http_complex_value_t *file_value = nullptr;
    const char *directive{};   // "content_by_lua_block", for messages

    bool is_set() const noexcept { return ref != LUA_NOREF || file.len != 0; }
};

struct MainConf {
    core::Vm *vm = nullptr;
    ngx_str_t package_path{};
    ngx_str_t package_cpath{};
    LuaCode init;
    LuaCode init_worker;
    LuaCode exit_worker;
    unsigned phases_used = 0;  // context bits of the phases some location runs Lua in
    ngx_array_t *variables = nullptr;     // how ngx.var reaches each name it was asked for (var.cpp)
    ngx_array_t *header_names = nullptr;  // the names ngx.header was given (response_headers.cpp)
    ngx_int_t regex_cache_max_entries = NGX_CONF_UNSET;
    ngx_int_t regex_match_limit = NGX_CONF_UNSET;
    // rewrite_by_lua / access_by_lua at the start of their phase rather than its end.
    ngx_int_t malloc_trim = NGX_CONF_UNSET;  // lua_malloc_trim: every so many requests, 0: never
    ngx_flag_t sa_restart = NGX_CONF_UNSET;
    ngx_int_t thread_cache_max_entries = NGX_CONF_UNSET;
    ngx_int_t max_pending_timers = NGX_CONF_UNSET;
    ngx_int_t max_running_timers = NGX_CONF_UNSET;
    ngx_flag_t rewrite_no_postpone = NGX_CONF_UNSET;
    ngx_flag_t access_no_postpone = NGX_CONF_UNSET;
    api::shdict::ZoneSet *shared_dicts = nullptr;  // lua_shared_dict zones, if any
    api::errlog::Capture *error_log_capture = nullptr;  // lua_capture_error_log, if set
};

struct LocConf {
    LuaCode server_rewrite;  // the server's (http, server): runs before the location search
    LuaCode rewrite;
    LuaCode access;
    LuaCode content;
    LuaCode log;
    LuaCode header_filter;
    LuaCode body_filter;
    ngx_flag_t code_cache = NGX_CONF_UNSET;
    ngx_flag_t check_client_abort = NGX_CONF_UNSET;
    ngx_flag_t transform_underscores = NGX_CONF_UNSET;  // in ngx.header names
    ngx_flag_t use_default_type = NGX_CONF_UNSET;       // default_type for Lua responses
    ngx_flag_t need_request_body = NGX_CONF_UNSET;      // read the body before the handlers
    // Cosockets' defaults (lua_socket_*).
    ngx_msec_t socket_connect_timeout = NGX_CONF_UNSET_MSEC;
    ngx_msec_t socket_send_timeout = NGX_CONF_UNSET_MSEC;
    ngx_msec_t socket_read_timeout = NGX_CONF_UNSET_MSEC;
    size_t socket_buffer_size = NGX_CONF_UNSET_SIZE;
    ngx_flag_t socket_log_errors = NGX_CONF_UNSET;
    ngx_int_t socket_pool_size = NGX_CONF_UNSET;
    ngx_msec_t socket_keepalive_timeout = NGX_CONF_UNSET_MSEC;
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

class RequestCtx;

// Phase handlers (phases.cpp).
ngx_int_t server_rewrite_handler(ngx_http_request_t *r);
ngx_int_t rewrite_handler(ngx_http_request_t *r);
ngx_int_t access_handler(ngx_http_request_t *r);
ngx_int_t content_handler(ngx_http_request_t *r);
ngx_int_t log_handler(ngx_http_request_t *r);

// lua_check_client_abort: watches the connection while Lua runs for `r`, when set.
void watch_client_abort(ngx_http_request_t *r);

// Adds ngx.on_abort's registration to "nlf.capi" (api/thread.cpp).
void register_thread_capi(core::Vm &vm);

// Reading the request body for Lua (api/request_body.cpp). prepare_body_read asks
// nginx to keep it as OpenResty does: in one buffer when it fits, else in a temp file
// kept (and removed) with the request. While nginx reads the rest of it,
// watch_body_read lets a request whose body nginx refuses end; the read's post
// handler calls end_body_read first.
void prepare_body_read(ngx_http_request_t *r) noexcept;
void watch_body_read(RequestCtx &ctx) noexcept;
void end_body_read(RequestCtx &ctx) noexcept;
void stop_watching_body_read(RequestCtx &ctx) noexcept;

enum class SyncStatus { done, exited, failed };

// Runs `code` to completion in coroutine `co` (a core::ScopedThread of the caller's,
// which can read the results from it) in `context`: log, set, filters, the phases
// that cannot wait. Failures are logged; a yield that is not ngx.exit is one.
SyncStatus run_sync(RequestCtx &ctx, const LuaCode &code, unsigned context, lua_State *co);

// Filters (filters.cpp): the Lua ones when some location uses them, above those that
// keep the response of ngx.location.capture's subrequests (api/subrequest.cpp), which
// are always there.
ngx_int_t install_filters(ngx_conf_t *cf);
void install_capture_filters() noexcept;

// set_by_lua* (set_by_lua.cpp).
char *set_by_lua(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

// Reads the Lua text of a *_by_lua_block and compiles it, or compiles the string
// argument; for directives that take other arguments too (set_by_lua*).
char *compile_lua_argument(ngx_conf_t *cf, std::string_view directive, bool block,
                           const ngx_str_t &inline_code, LuaCode &code);
// `with_variables`: the path may hold nginx variables, evaluated per request (not for
// the init phases, which have no request).
char *resolve_lua_file(ngx_conf_t *cf, const ngx_str_t &path, LuaCode &code, bool with_variables);

// ngx.say & co through the C API, when Lua filters may run (api/output.cpp).
int output_capi(lua_State *L);

// Pushes the function of `code` on the stack of `to` (nullptr: the VM's main thread);
// false (and logs) when a file cannot be loaded.
// `r` evaluates a file path with variables; nullptr where there is no request.
bool push_lua_code(core::Vm &vm, const LuaCode &code, bool code_cache, ngx_log_t *log,
                   ngx_http_request_t *r = nullptr, lua_State *to = nullptr);

}  // namespace nlf::http
