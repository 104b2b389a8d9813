// The http module: directives, configuration, phase registration, init hooks.
#include "http/module.hpp"

#include "http/balancer.hpp"

#include "api/resolver.hpp"
#include "api/socket_pool.hpp"
#include "api/thread.hpp"
#include "api/timer.hpp"

#include "api/worker.hpp"
#include "core/context.hpp"
#include "core/guard.hpp"
#include "core/regex.hpp"

#include <new>

namespace nlf::http {

namespace {

constexpr unsigned server_rewrite_phase = core::ctx_server_rewrite;
constexpr unsigned rewrite_phase = core::ctx_rewrite;
constexpr unsigned access_phase = core::ctx_access;
constexpr unsigned content_phase = core::ctx_content;
constexpr unsigned log_phase = core::ctx_log;
constexpr unsigned header_filter_phase = core::ctx_header_filter;
constexpr unsigned body_filter_phase = core::ctx_body_filter;
constexpr unsigned init_phase = core::ctx_init;
constexpr unsigned init_worker_phase = core::ctx_init_worker;
constexpr unsigned exit_worker_phase = core::ctx_exit_worker;
constexpr unsigned balancer_phase = core::ctx_balancer;

char *set_shared_dict(ngx_conf_t *cf, ngx_command_t *, void *conf) {
    return api::shdict::declare(cf, static_cast<MainConf *>(conf)->shared_dicts, &ngx_http_lua_ffi_module);
}

// lua_capture_error_log size: the lines are kept from this configuration on (see
// merge_loc_conf and init_process for where the capture joins the error_log chains).
char *set_capture_error_log(ngx_conf_t *cf, ngx_command_t *, void *conf) {
    auto *mcf = static_cast<MainConf *>(conf);
    if (mcf->error_log_capture != nullptr) return const_cast<char *>("is duplicate");
    const auto *value = static_cast<ngx_str_t *>(cf->args->elts);
    const ssize_t size = ngx_parse_size(const_cast<ngx_str_t *>(&value[1]));
    if (size == NGX_ERROR || size < 4096) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid buffer size \"%V\" (4k at least)", &value[1]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    mcf->error_log_capture = api::errlog::create(cf->pool, static_cast<size_t>(size));
    if (mcf->error_log_capture == nullptr) return static_cast<char *>(NGX_CONF_ERROR);
    api::errlog::set_active(mcf->error_log_capture);
    return NGX_CONF_OK;
}

char *set_code_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    char *rv = ngx_conf_set_flag_slot(cf, cmd, conf);
    if (rv == NGX_CONF_OK && !static_cast<LocConf *>(conf)->code_cache) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, 0, "lua_code_cache is off; this will hurt performance");
    }
    return rv;
}

// resty.core is always loaded: the directive that could turn it off is accepted for old
// configurations and does nothing, as in OpenResty since 0.10.16.
char *set_load_resty_core(ngx_conf_t *cf, ngx_command_t *, void *) {
    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "lua_load_resty_core is deprecated (the lua-resty-core library is required "
                       "since ngx_lua v0.10.16)");
    return NGX_CONF_OK;
}

// Linux does not let SO_SNDLOWAT be changed, so OpenResty warns and ignores the
// directive there (its message names it "lua_send_lowat"); the same here.
char *set_send_lowat(ngx_conf_t *cf, ngx_command_t *, void *) {
    auto *value = static_cast<ngx_str_t *>(cf->args->elts);
    if (ngx_parse_size(&value[1]) == NGX_ERROR) return const_cast<char *>("invalid value");
    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "\"lua_send_lowat\" is not supported, ignored");
    return NGX_CONF_OK;
}

// One entry per spelling of a *_by_lua directive: the legacy string form, the
// block form and the file form.
#define NLF_LUA_DIRECTIVES(name, scope, conf_offset, type, member, phase)                            \
    {ngx_string(name "_by_lua"), (scope) | NGX_CONF_TAKE1, set_lua_code, conf_offset,          \
     offsetof(type, member), const_cast<unsigned *>(&(phase))},                                         \
    {ngx_string(name "_by_lua_block"), (scope) | NGX_CONF_BLOCK | NGX_CONF_NOARGS,              \
     set_lua_code, conf_offset, offsetof(type, member), const_cast<unsigned *>(&(phase))},              \
    {ngx_string(name "_by_lua_file"), (scope) | NGX_CONF_TAKE1, set_lua_code, conf_offset,     \
     offsetof(type, member), const_cast<unsigned *>(&(phase))}

constexpr ngx_uint_t any_level = NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF;
// Where the rewrite module's `set` may stand.
constexpr ngx_uint_t set_scope = NGX_HTTP_SRV_CONF | NGX_HTTP_SIF_CONF | NGX_HTTP_LOC_CONF | NGX_HTTP_LIF_CONF;

ngx_command_t commands[] = {
    {ngx_string("lua_package_path"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_str_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, package_path), nullptr},
    {ngx_string("lua_package_cpath"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_str_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, package_cpath), nullptr},
    {ngx_string("lua_capture_error_log"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, set_capture_error_log,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("lua_shared_dict"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE2, set_shared_dict,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("lua_load_resty_core"), NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG, set_load_resty_core,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("lua_code_cache"), any_level | NGX_HTTP_LIF_CONF | NGX_CONF_FLAG, set_code_cache,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, code_cache), nullptr},
    {ngx_string("lua_socket_connect_timeout"), any_level | NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_connect_timeout), nullptr},
    {ngx_string("lua_socket_send_timeout"), any_level | NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_send_timeout), nullptr},
    {ngx_string("lua_socket_read_timeout"), any_level | NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_read_timeout), nullptr},
    {ngx_string("lua_socket_buffer_size"), any_level | NGX_CONF_TAKE1, ngx_conf_set_size_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_buffer_size), nullptr},
    {ngx_string("lua_socket_send_lowat"), any_level | NGX_CONF_TAKE1, set_send_lowat, NGX_HTTP_LOC_CONF_OFFSET, 0,
     nullptr},
    {ngx_string("lua_socket_log_errors"), any_level | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_log_errors), nullptr},
    {ngx_string("lua_socket_pool_size"), any_level | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_pool_size), nullptr},
    {ngx_string("lua_socket_keepalive_timeout"), any_level | NGX_CONF_TAKE1, ngx_conf_set_msec_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, socket_keepalive_timeout), nullptr},
    {ngx_string("lua_check_client_abort"), any_level | NGX_HTTP_LIF_CONF | NGX_CONF_FLAG,
     ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, check_client_abort),
     nullptr},
    {ngx_string("lua_transform_underscores_in_response_headers"),
     any_level | NGX_HTTP_LIF_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
     offsetof(LocConf, transform_underscores), nullptr},
    {ngx_string("lua_need_request_body"), any_level | NGX_HTTP_LIF_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, need_request_body), nullptr},
    {ngx_string("lua_use_default_type"), any_level | NGX_HTTP_LIF_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, use_default_type), nullptr},
    {ngx_string("lua_max_pending_timers"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, max_pending_timers), nullptr},
    {ngx_string("lua_max_running_timers"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, max_running_timers), nullptr},
    {ngx_string("lua_thread_cache_max_entries"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, thread_cache_max_entries), nullptr},
    {ngx_string("lua_sa_restart"), NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, sa_restart), nullptr},
    {ngx_string("lua_malloc_trim"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, malloc_trim), nullptr},
    {ngx_string("rewrite_by_lua_no_postpone"), NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, rewrite_no_postpone), nullptr},
    {ngx_string("access_by_lua_no_postpone"), NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, access_no_postpone), nullptr},
    {ngx_string("lua_regex_cache_max_entries"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, regex_cache_max_entries), nullptr},
    {ngx_string("lua_regex_match_limit"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, regex_match_limit), nullptr},
    NLF_LUA_DIRECTIVES("init", NGX_HTTP_MAIN_CONF, NGX_HTTP_MAIN_CONF_OFFSET, MainConf, init, init_phase),
    NLF_LUA_DIRECTIVES("init_worker", NGX_HTTP_MAIN_CONF, NGX_HTTP_MAIN_CONF_OFFSET,
                       MainConf, init_worker, init_worker_phase),
    // OpenResty has no string form of this one.
    {ngx_string("exit_worker_by_lua_block"), NGX_HTTP_MAIN_CONF | NGX_CONF_BLOCK | NGX_CONF_NOARGS, set_lua_code,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, exit_worker), const_cast<unsigned *>(&exit_worker_phase)},
    {ngx_string("exit_worker_by_lua_file"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, set_lua_code,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, exit_worker), const_cast<unsigned *>(&exit_worker_phase)},
    // OpenResty has no string form of this one either.
    {ngx_string("server_rewrite_by_lua_block"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_CONF_BLOCK | NGX_CONF_NOARGS, set_lua_code,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, server_rewrite), const_cast<unsigned *>(&server_rewrite_phase)},
    {ngx_string("server_rewrite_by_lua_file"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_CONF_TAKE1, set_lua_code,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, server_rewrite), const_cast<unsigned *>(&server_rewrite_phase)},
    NLF_LUA_DIRECTIVES("rewrite", any_level | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, rewrite, rewrite_phase),
    NLF_LUA_DIRECTIVES("access", any_level | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, access, access_phase),
    NLF_LUA_DIRECTIVES("content", NGX_HTTP_LOC_CONF | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, content, content_phase),
    NLF_LUA_DIRECTIVES("log", any_level | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, log, log_phase),
    NLF_LUA_DIRECTIVES("header_filter", any_level | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, header_filter, header_filter_phase),
    NLF_LUA_DIRECTIVES("body_filter", any_level | NGX_HTTP_LIF_CONF, NGX_HTTP_LOC_CONF_OFFSET,
                       LocConf, body_filter, body_filter_phase),
    // In upstream {}: OpenResty has no string form of this one.
    {ngx_string("balancer_by_lua_block"), NGX_HTTP_UPS_CONF | NGX_CONF_BLOCK | NGX_CONF_NOARGS, set_balancer_code,
     NGX_HTTP_SRV_CONF_OFFSET, offsetof(UpstreamConf, balancer), const_cast<unsigned *>(&balancer_phase)},
    {ngx_string("balancer_by_lua_file"), NGX_HTTP_UPS_CONF | NGX_CONF_TAKE1, set_balancer_code,
     NGX_HTTP_SRV_CONF_OFFSET, offsetof(UpstreamConf, balancer), const_cast<unsigned *>(&balancer_phase)},
    {ngx_string("balancer_keepalive"), NGX_HTTP_UPS_CONF | NGX_CONF_TAKE1, set_balancer_keepalive,
     NGX_HTTP_SRV_CONF_OFFSET, 0, nullptr},
    {ngx_string("set_by_lua"), set_scope | NGX_CONF_2MORE, set_by_lua, NGX_HTTP_LOC_CONF_OFFSET, 0,
     nullptr},
    {ngx_string("set_by_lua_block"), set_scope | NGX_CONF_BLOCK | NGX_CONF_TAKE1, set_by_lua,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("set_by_lua_file"), set_scope | NGX_CONF_2MORE, set_by_lua, NGX_HTTP_LOC_CONF_OFFSET, 0,
     nullptr},
    ngx_null_command,
};

#undef NLF_LUA_DIRECTIVES

void *create_main_conf(ngx_conf_t *cf) {
    api::errlog::set_active(nullptr);  // until this configuration sets lua_capture_error_log
    void *mem = ngx_pcalloc(cf->pool, sizeof(MainConf));
    return mem ? new (mem) MainConf() : nullptr;
}

void *create_loc_conf(ngx_conf_t *cf) {
    void *mem = ngx_pcalloc(cf->pool, sizeof(LocConf));
    return mem ? new (mem) LocConf() : nullptr;
}

// The error_log chain of each location (merged by the core module before us) ends in
// the capture; the main one (cycle->new_log) only in the worker, once no error_log
// directive can be inserted into it any more.
void capture_location_log(ngx_conf_t *cf) {
    auto *mcf = static_cast<MainConf *>(ngx_http_conf_get_module_main_conf(cf, ngx_http_lua_ffi_module));
    if (mcf->error_log_capture == nullptr) return;
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
    if (clcf->error_log != nullptr && clcf->error_log != &cf->cycle->new_log) {
        api::errlog::attach(*mcf->error_log_capture, clcf->error_log);
    }
}

char *merge_loc_conf(ngx_conf_t *cf, void *parent_conf, void *child_conf) {
    capture_location_log(cf);
    auto *parent = static_cast<LocConf *>(parent_conf);
    auto *child = static_cast<LocConf *>(child_conf);
    for (auto field : {&LocConf::server_rewrite, &LocConf::rewrite, &LocConf::access, &LocConf::log,
                       &LocConf::header_filter, &LocConf::body_filter}) {
        if (!(child->*field).is_set()) child->*field = parent->*field;
    }
    ngx_conf_merge_value(child->code_cache, parent->code_cache, 1);
    ngx_conf_merge_value(child->check_client_abort, parent->check_client_abort, 0);
    ngx_conf_merge_value(child->transform_underscores, parent->transform_underscores, 1);
    ngx_conf_merge_value(child->use_default_type, parent->use_default_type, 1);
    ngx_conf_merge_value(child->need_request_body, parent->need_request_body, 0);
    ngx_conf_merge_msec_value(child->socket_connect_timeout, parent->socket_connect_timeout, 60000);
    ngx_conf_merge_msec_value(child->socket_send_timeout, parent->socket_send_timeout, 60000);
    ngx_conf_merge_msec_value(child->socket_read_timeout, parent->socket_read_timeout, 60000);
    ngx_conf_merge_size_value(child->socket_buffer_size, parent->socket_buffer_size, static_cast<size_t>(ngx_pagesize));
    ngx_conf_merge_value(child->socket_log_errors, parent->socket_log_errors, 1);
    ngx_conf_merge_value(child->socket_pool_size, parent->socket_pool_size, 30);
    ngx_conf_merge_msec_value(child->socket_keepalive_timeout, parent->socket_keepalive_timeout, 60000);
    if (child->socket_pool_size <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lua_socket_pool_size must be greater than 0");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (child->socket_buffer_size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "lua_socket_buffer_size must be greater than 0");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

// Our rewrite and access handlers run after every other module's in their phase, as
// OpenResty's do: nginx runs a phase's handlers from the last registered to the first.
ngx_int_t add_phase_handler(ngx_conf_t *cf, ngx_http_phases phase, ngx_http_handler_pt handler,
                            bool run_last) {
    auto *cmcf = static_cast<ngx_http_core_main_conf_t *>(
        ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));
    ngx_array_t &handlers = cmcf->phases[phase].handlers;
    auto *slot = static_cast<ngx_http_handler_pt *>(ngx_array_push(&handlers));
    if (slot == nullptr) return NGX_ERROR;
    *slot = handler;
    if (run_last) {
        auto *elts = static_cast<ngx_http_handler_pt *>(handlers.elts);
        for (ngx_uint_t i = handlers.nelts - 1; i > 0; --i) elts[i] = elts[i - 1];
        elts[0] = handler;
    }
    return NGX_OK;
}

// ngx.re's settings of this configuration: for init_by_lua now, for each worker when
// it starts (a failed reload must not leave its settings behind in the master).
void configure_regex(const MainConf &mcf) {
    core::regex::Settings settings;
    settings.cache_max_entries = static_cast<unsigned long>(mcf.regex_cache_max_entries);
    settings.match_limit = static_cast<unsigned long>(mcf.regex_match_limit);
    core::regex::configure(settings);
}

bool other_lua_module_loaded(ngx_conf_t *cf) {
    for (ngx_uint_t i = 0; cf->cycle->modules[i]; ++i) {
        if (std::string_view(cf->cycle->modules[i]->name) == "ngx_http_lua_module") return true;
    }
    return false;
}

// Runs init_by_lua* / init_worker_by_lua* / exit_worker_by_lua* in the main Lua thread.
bool run_requestless(core::Vm &vm, const LuaCode &code, unsigned context, ngx_log_t *log) {
    if (!code.is_set()) return true;
    // init_by_lua has no ngx.ctx; init_worker_by_lua and exit_worker_by_lua one per run.
    const std::uintptr_t run = context == core::ctx_init ? 0 : core::new_owner_token();
    core::RequestlessContext in(context, run);
    core::StackGuard guard(vm.L());
    if (!push_lua_code(vm, code, true, log)) return false;
    std::string error = vm.call_protected(0);
    if (run != 0) vm.forget_run_ctx(run);
    if (!error.empty()) {
        const char *tag = context == core::ctx_init          ? "init_by_lua"
                          : context == core::ctx_init_worker ? "init_worker_by_lua"
                                                             : "exit_worker_by_lua";
        ngx_log_error(NGX_LOG_ERR, log, 0, "%s error: %s", tag, error.c_str());
        return false;
    }
    return true;
}

bool run_init(MainConf &mcf, ngx_cycle_t *cycle) {
    core::configuring_cycle = cycle;
    bool ok = run_requestless(*mcf.vm, mcf.init, core::ctx_init, cycle->log);
    core::configuring_cycle = nullptr;
    return ok;
}

// init_by_lua may use ngx.shared, whose zones nginx maps only after the configuration
// is read: with lua_shared_dict zones, it runs once the last one is mapped.
ngx_int_t run_init_when_zones_mapped(ngx_cycle_t *cycle, void *data) {
    auto &mcf = *static_cast<MainConf *>(data);
    return core::guarded(cycle->log, static_cast<ngx_int_t>(NGX_ERROR),
                         [&] { return static_cast<ngx_int_t>(run_init(mcf, cycle) ? NGX_OK : NGX_ERROR); });
}

ngx_int_t configure_lua(ngx_conf_t *cf) {
    if (other_lua_module_loaded(cf)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ngx_http_lua_ffi_module cannot be loaded together with "
                           "ngx_http_lua_module: both provide the same directives and ngx.* API; "
                           "remove one of the two load_module lines");
        return NGX_ERROR;
    }
    auto *mcf = static_cast<MainConf *>(ngx_http_conf_get_module_main_conf(cf, ngx_http_lua_ffi_module));
    core::Vm *vm = conf_vm(cf);
    if (vm == nullptr) return NGX_ERROR;
    ngx_conf_init_value(mcf->regex_cache_max_entries, 1024);
    ngx_conf_init_value(mcf->regex_match_limit, 0);
    // As in OpenResty, only a lua_malloc_trim of the configuration's own makes every
    // request run the log handler; the default trims where log_by_lua runs anyway.
    const bool trim_requested = mcf->malloc_trim != NGX_CONF_UNSET && mcf->malloc_trim > 0;
    ngx_conf_init_value(mcf->malloc_trim, 1000);
    ngx_conf_init_value(mcf->sa_restart, 1);
    ngx_conf_init_value(mcf->thread_cache_max_entries, 1024);
    ngx_conf_init_value(mcf->max_pending_timers, 1024);
    ngx_conf_init_value(mcf->max_running_timers, 256);
    if (!vm->set_thread_cache_size(static_cast<std::size_t>(mcf->thread_cache_max_entries))) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "no memory for lua_thread_cache_max_entries");
        return NGX_ERROR;
    }
    configure_regex(*mcf);
    if (!api::add_worker_pids_zone(cf, &ngx_http_lua_ffi_module)) return NGX_ERROR;
    vm->set_search_paths(view(mcf->package_path), view(mcf->package_cpath), view(cf->cycle->prefix));
    vm->register_capi("output", output_capi);
    vm->register_capi("set_timer_runner", api::timer::set_runner_capi);
    api::thread::register_capi(*vm);
    register_thread_capi(*vm);
    api::shdict::inject(vm->L(), mcf->shared_dicts);
    if (std::string error = vm->load_api(); !error.empty()) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "failed to load the built-in Lua layer: %s",
                           error.c_str());
        return NGX_ERROR;
    }
    if ((mcf->phases_used & core::ctx_server_rewrite) &&
        add_phase_handler(cf, NGX_HTTP_SERVER_REWRITE_PHASE, server_rewrite_handler, true) != NGX_OK) {
        return NGX_ERROR;
    }
    if ((mcf->phases_used & core::ctx_rewrite) &&
        add_phase_handler(cf, NGX_HTTP_REWRITE_PHASE, rewrite_handler, mcf->rewrite_no_postpone != 1) != NGX_OK) {
        return NGX_ERROR;
    }
    if ((mcf->phases_used & core::ctx_access) &&
        add_phase_handler(cf, NGX_HTTP_ACCESS_PHASE, access_handler, mcf->access_no_postpone != 1) != NGX_OK) {
        return NGX_ERROR;
    }
    if (((mcf->phases_used & core::ctx_log) || trim_requested) &&
        add_phase_handler(cf, NGX_HTTP_LOG_PHASE, log_handler, false) != NGX_OK) {
        return NGX_ERROR;
    }
    if (install_filters(cf) != NGX_OK) return NGX_ERROR;
    if (mcf->shared_dicts != nullptr) {
        mcf->shared_dicts->on_ready = run_init_when_zones_mapped;
        mcf->shared_dicts->on_ready_data = mcf;
        return NGX_OK;
    }
    return run_init(*mcf, cf->cycle) ? NGX_OK : NGX_ERROR;
}

ngx_int_t postconfiguration(ngx_conf_t *cf) {
    return core::guarded(cf->log, static_cast<ngx_int_t>(NGX_ERROR), [cf] { return configure_lua(cf); });
}

// lua_sa_restart: system calls a signal interrupts (nginx's own signals and those of
// libraries) are restarted rather than failing with EINTR, which Lua code and the C
// libraries it calls seldom expect.
void set_sa_restart(ngx_log_t *log) {
    static const int signals[] = {
        ngx_signal_value(NGX_RECONFIGURE_SIGNAL), ngx_signal_value(NGX_REOPEN_SIGNAL),
        ngx_signal_value(NGX_NOACCEPT_SIGNAL),    ngx_signal_value(NGX_TERMINATE_SIGNAL),
        ngx_signal_value(NGX_SHUTDOWN_SIGNAL),    ngx_signal_value(NGX_CHANGEBIN_SIGNAL),
        SIGALRM, SIGINT, SIGIO, SIGCHLD, SIGSYS, SIGPIPE,
    };
    for (int signo : signals) {
        struct sigaction act {};
        bool ok = sigaction(signo, nullptr, &act) == 0;
        if (ok) {
            act.sa_flags |= SA_RESTART;
            ok = sigaction(signo, &act, nullptr) == 0;
        }
        if (!ok) ngx_log_error(NGX_LOG_ERR, log, ngx_errno, "lua_sa_restart: sigaction(%d) failed", signo);
    }
}

ngx_int_t init_process(ngx_cycle_t *cycle) {
    auto *mcf = static_cast<MainConf *>(ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lua_ffi_module));
    // The cache manager and loader are helpers: OpenResty runs no Lua there either.
    if (mcf == nullptr || mcf->vm == nullptr || ngx_process == NGX_PROCESS_HELPER) return NGX_OK;
    api::errlog::set_active(mcf->error_log_capture);
    if (mcf->error_log_capture != nullptr) api::errlog::attach(*mcf->error_log_capture, &cycle->new_log);
    configure_regex(*mcf);
    if (mcf->sa_restart) set_sa_restart(cycle->log);
    const api::timer::Limits limits{static_cast<ngx_uint_t>(mcf->max_pending_timers),
                                    static_cast<ngx_uint_t>(mcf->max_running_timers)};
    api::timer::start(*mcf->vm, limits);
    api::publish_worker_pid(cycle, &ngx_http_lua_ffi_module);
    core::requestless_context = core::ctx_timer;
    // An init_worker error is logged; the worker still serves, as in OpenResty.
    core::guarded(cycle->log, false,
                  [&] { return run_requestless(*mcf->vm, mcf->init_worker, core::ctx_init_worker, cycle->log); });
    mcf->vm->remember_loaded_modules();
    // As in OpenResty, globals made by init_by_lua and init_worker_by_lua are not warned of.
    core::guarded(cycle->log, false, [&] {
        std::string error = mcf->vm->guard_global_writes();
        if (!error.empty()) ngx_log_error(NGX_LOG_ERR, cycle->log, 0, "_G write guard: %s", error.c_str());
        return error.empty();
    });
    return NGX_OK;
}

// exit_worker_by_lua*, as a worker (or the single process) ends.
void exit_process(ngx_cycle_t *cycle) {
    auto *mcf = static_cast<MainConf *>(ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lua_ffi_module));
    if (mcf == nullptr || mcf->vm == nullptr || ngx_process == NGX_PROCESS_HELPER) return;
    core::guarded(cycle->log, false,
                  [&] { return run_requestless(*mcf->vm, mcf->exit_worker, core::ctx_exit_worker, cycle->log); });
    // Before nginx looks for connections left open.
    close_balancer_connections(cycle);
    api::socket::Pool::close_all();
    api::resolver::Resolution::worker_exiting();
}

ngx_http_module_t module_ctx = {
    nullptr,            // preconfiguration
    postconfiguration,  // postconfiguration
    create_main_conf,   // create main configuration
    nullptr,            // init main configuration
    create_upstream_conf,  // create server configuration (upstream {}'s balancer_by_lua*)
    nullptr,            // merge server configuration
    create_loc_conf,    // create location configuration
    merge_loc_conf,     // merge location configuration
};

}  // namespace

core::Vm *conf_vm(ngx_conf_t *cf) {
    auto *mcf = static_cast<MainConf *>(ngx_http_conf_get_module_main_conf(cf, ngx_http_lua_ffi_module));
    if (mcf->vm == nullptr) mcf->vm = core::Vm::create(cf->pool, cf->log);
    return mcf->vm;
}

}  // namespace nlf::http

extern "C" {
__attribute__((visibility("default"))) ngx_module_t ngx_http_lua_ffi_module = {
    NGX_MODULE_V1,
    &nlf::http::module_ctx,
    nlf::http::commands,
    NGX_HTTP_MODULE,
    nullptr,                        // init master
    nullptr,                        // init module
    nlf::http::init_process,        // init process
    nullptr,                        // init thread
    nullptr,                        // exit thread
    nlf::http::exit_process,        // exit process
    nullptr,                        // exit master
    NGX_MODULE_V1_PADDING,
};
}
