// ngx.worker: this worker's identity and the worker pool's state.
#include "ngx.hpp"

#include "core/context.hpp"

NLF_API int ngx_http_lua_ffi_worker_pid(void) noexcept {
    return static_cast<int>(ngx_pid);
}

// -1 outside a worker (master, init_by_lua, `nginx -t`): the Lua side returns nil.
NLF_API int ngx_http_lua_ffi_worker_id(void) noexcept {
    if (nlf::core::configuring_cycle != nullptr) return -1;
    if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE) return -1;
    return static_cast<int>(ngx_worker);
}

NLF_API int ngx_http_lua_ffi_worker_count(void) noexcept {
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(
        ngx_get_conf(nlf::core::active_cycle()->conf_ctx, ngx_core_module));
    // Before nginx's core module finishes its configuration (init_by_lua), an unset
    // worker_processes means its default, 1.
    return ccf->worker_processes == NGX_CONF_UNSET ? 1 : static_cast<int>(ccf->worker_processes);
}

NLF_API int ngx_http_lua_ffi_worker_exiting(void) noexcept {
    return static_cast<int>(ngx_exiting);
}
