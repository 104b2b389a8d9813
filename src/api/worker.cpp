// ngx.worker: this worker's identity and the worker pool's state.
#include "api/worker.hpp"

#include "core/context.hpp"

#include <algorithm>

namespace {

ngx_str_t pids_zone_name = ngx_string("nginx-lua-ffi worker pids");

// One slot per worker id; a slot holds 0 until that worker has started.
struct PidTable {
    ngx_pid_t pids[NGX_MAX_PROCESSES];
};

// This worker's view of its cycle's table (set in init_process).
PidTable *worker_pids = nullptr;

ngx_int_t init_pids_zone(ngx_shm_zone_t *zone, void *previous) {
    // A reload with the same zone keeps the table: the new workers overwrite their slots.
    if (previous != nullptr) {
        zone->data = previous;
        return NGX_OK;
    }
    auto *pool = reinterpret_cast<ngx_slab_pool_t *>(zone->shm.addr);
    void *table = ngx_slab_calloc(pool, sizeof(PidTable));
    if (table == nullptr) return NGX_ERROR;
    zone->data = table;
    return NGX_OK;
}

int worker_processes() noexcept {
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(
        ngx_get_conf(nlf::core::active_cycle()->conf_ctx, ngx_core_module));
    // Before nginx's core module finishes its configuration (init_by_lua), an unset
    // worker_processes means its default, 1.
    return ccf->worker_processes == NGX_CONF_UNSET ? 1 : static_cast<int>(ccf->worker_processes);
}

}  // namespace

namespace nlf::api {

bool add_worker_pids_zone(ngx_conf_t *cf, void *tag) noexcept {
    // The slab allocator needs a few pages of its own besides the table.
    const size_t size = 8 * ngx_pagesize + sizeof(PidTable);
    ngx_shm_zone_t *zone = ngx_shared_memory_add(cf, &pids_zone_name, size, tag);
    if (zone == nullptr) return false;
    zone->init = init_pids_zone;
    return true;
}

void publish_worker_pid(ngx_cycle_t *cycle, void *tag) noexcept {
    ngx_list_part_t *part = &cycle->shared_memory.part;
    auto *zones = static_cast<ngx_shm_zone_t *>(part->elts);
    for (ngx_uint_t i = 0;; ++i) {
        if (i >= part->nelts) {
            if (part->next == nullptr) return;
            part = part->next;
            zones = static_cast<ngx_shm_zone_t *>(part->elts);
            i = 0;
        }
        if (zones[i].tag == tag && view(zones[i].shm.name) == view(pids_zone_name)) {
            worker_pids = static_cast<PidTable *>(zones[i].data);
            break;
        }
    }
    if (ngx_worker < NGX_MAX_PROCESSES) worker_pids->pids[ngx_worker] = ngx_pid;
}

}  // namespace nlf::api

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
    return worker_processes();
}

NLF_API int ngx_http_lua_ffi_worker_exiting(void) noexcept {
    return static_cast<int>(ngx_exiting);
}

// The pids of the current workers, by worker id (`pids` has room for
// NGX_MAX_PROCESSES). Without the table (a process that is not a worker) only this
// process's pid.
NLF_API int ngx_http_lua_ffi_worker_pids(int *pids, size_t *pids_len) noexcept {
    size_t n = 0;
    if (worker_pids == nullptr || ngx_process == NGX_PROCESS_SINGLE) {
        pids[n++] = static_cast<int>(ngx_pid);
    } else {
        const int count = std::min(worker_processes(), NGX_MAX_PROCESSES);
        for (int i = 0; i < count; ++i) {
            if (worker_pids->pids[i] != 0) pids[n++] = static_cast<int>(worker_pids->pids[i]);
        }
    }
    *pids_len = n;
    return NGX_OK;
}
