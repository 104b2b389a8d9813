// The shared table where every worker publishes its pid, for ngx.worker.pids: stock
// nginx keeps no list of the workers that a worker could read reliably.
#pragma once
#include "ngx.hpp"

namespace nlf::api {

// Registers the table's shared zone for the configuration being read; `tag` is the
// module that owns it.
bool add_worker_pids_zone(ngx_conf_t *cf, void *tag) noexcept;

// In a worker's init_process: writes its pid into its slot of `cycle`'s table.
void publish_worker_pid(ngx_cycle_t *cycle, void *tag) noexcept;

}  // namespace nlf::api
