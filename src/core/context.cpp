#include "core/context.hpp"

namespace nlf::core {

unsigned requestless_context = ctx_init;
std::uintptr_t requestless_run = 0;
ngx_cycle_t *configuring_cycle = nullptr;

const char *context_directive(unsigned ctx) noexcept {
    switch (ctx) {
    case ctx_set: return "set_by_lua*";
    case ctx_rewrite: return "rewrite_by_lua*";
    case ctx_access: return "access_by_lua*";
    case ctx_content: return "content_by_lua*";
    case ctx_log: return "log_by_lua*";
    case ctx_header_filter: return "header_filter_by_lua*";
    case ctx_body_filter: return "body_filter_by_lua*";
    case ctx_timer: return "ngx.timer";
    case ctx_init_worker: return "init_worker_by_lua*";
    case ctx_balancer: return "balancer_by_lua*";
    case ctx_ssl_cert: return "ssl_certificate_by_lua*";
    case ctx_ssl_session_store: return "ssl_session_store_by_lua*";
    case ctx_ssl_session_fetch: return "ssl_session_fetch_by_lua*";
    case ctx_exit_worker: return "exit_worker_by_lua*";
    case ctx_ssl_client_hello: return "ssl_client_hello_by_lua*";
    case ctx_server_rewrite: return "server_rewrite_by_lua*";
    case ctx_init: return "init_by_lua*";
    default: return "(unknown)";
    }
}

}  // namespace nlf::core
