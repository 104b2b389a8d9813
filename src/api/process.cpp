// ngx.process: what kind of nginx process this is, its master, a graceful exit.
#include "ngx.hpp"

#include "core/context.hpp"

// nginx calls the process that reads the configuration at start-up "single" until it
// has forked; it is the master when master_process is on (the default).
NLF_API int ngx_http_lua_ffi_get_process_type(void) noexcept {
    if (ngx_process == NGX_PROCESS_SINGLE) {
        auto *ccf = reinterpret_cast<ngx_core_conf_t *>(
            ngx_get_conf(nlf::core::active_cycle()->conf_ctx, ngx_core_module));
        if (ccf != nullptr && ccf->master != 0) return NGX_PROCESS_MASTER;
    }
    return static_cast<int>(ngx_process);
}

NLF_API int ngx_http_lua_ffi_master_pid(void) noexcept {
    if (ngx_process == NGX_PROCESS_WORKER || ngx_process == NGX_PROCESS_HELPER) {
        return static_cast<int>(ngx_parent);
    }
    return static_cast<int>(ngx_pid);
}

NLF_API void ngx_http_lua_ffi_process_signal_graceful_exit(void) noexcept {
    ngx_quit = 1;
}

// OpenResty's privileged agent is a helper process its patched master spawns with the
// master's privileges; stock nginx's master has no way to spawn one.
NLF_API int ngx_http_lua_ffi_enable_privileged_agent(char **err, unsigned int) noexcept {
    *err = const_cast<char *>("privileged agent process is not supported on stock nginx");
    return NGX_ERROR;
}
