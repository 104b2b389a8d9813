// balancer_by_lua*: installed as the upstream's peer.init over round robin's; its get
// runs the Lua code for every try (the first and each retry nginx makes), its free
// records how the try ended (balancer.get_last_failure) and counts tries down for
// peers Lua chose. The code runs synchronously in the request's context: nginx's peer
// interface cannot wait, so RequestCtx::may_wait() is false while it runs (waits,
// output and light threads are refused as in OpenResty).
#include "http/balancer.hpp"

#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

#include <new>

namespace nlf::http {

namespace {

// The ngx.exit status the code ended with, as the peer's get returns it.
ngx_int_t exit_rc(const RequestCtx &ctx) {
    const ngx_int_t code = ctx.exit_code;
    if (code == NGX_OK || code == NGX_ERROR || code == NGX_BUSY || code == NGX_DECLINED) return code;
    if (code >= NGX_HTTP_SPECIAL_RESPONSE) {
        // OpenResty's patched nginx sends this status; stock nginx's upstream code
        // answers any failed peer selection with 500.
        ngx_log_error(NGX_LOG_ERR, ctx.r->connection->log, 0,
                      "balancer_by_lua*: ngx.exit(%i) cannot set the response status on stock nginx, "
                      "the request ends with 500",
                      code);
    }
    return NGX_ERROR;
}

// Runs the balancer code for this try; NGX_OK when it ended normally.
ngx_int_t run_balancer(BalancerPeer &bp) {
    ngx_http_request_t *r = bp.request;
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_ERROR;
    core::ScopedThread thread(*main_conf(r)->vm);
    BalancerPeer *saved = ctx->balancer;
    const ngx_int_t saved_exit_code = ctx->exit_code;
    ctx->balancer = &bp;
    ctx->exit_code = NGX_OK;
    const SyncStatus status = run_sync(*ctx, bp.conf->balancer, core::ctx_balancer, thread.co());
    ngx_int_t rc = status == SyncStatus::done ? NGX_OK : NGX_ERROR;
    if (status == SyncStatus::exited) rc = exit_rc(*ctx);
    ctx->balancer = saved;
    ctx->exit_code = saved_exit_code;
    return rc;
}

ngx_int_t get_peer(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    bp.sockaddr = nullptr;
    bp.socklen = 0;
    bp.name = nullptr;
    bp.more_tries = 0;
    bp.tries_made++;
    ngx_int_t rc = core::guarded(pc->log, static_cast<ngx_int_t>(NGX_ERROR), [&] { return run_balancer(bp); });
    if (rc != NGX_OK) return rc;
    if (bp.local != nullptr) pc->local = bp.local;
    if (bp.more_tries) {
        bp.request->upstream->peer.tries += bp.more_tries;
        bp.more_tries = 0;
    }
    if (bp.sockaddr == nullptr) return ngx_http_upstream_get_round_robin_peer(pc, &bp.rrp);
    pc->sockaddr = bp.sockaddr;
    pc->socklen = bp.socklen;
    pc->name = bp.name;
    pc->cached = 0;
    pc->connection = nullptr;
    if (bp.host.len) bp.request->upstream->ssl_name = bp.host;
    return NGX_OK;
}

void free_peer(ngx_peer_connection_t *pc, void *data, ngx_uint_t state) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    bp.last_state = state;
    if (bp.sockaddr == nullptr) {
        ngx_http_upstream_free_round_robin_peer(pc, &bp.rrp, state);
        return;
    }
    if (pc->tries) pc->tries--;
}

#if (NGX_HTTP_SSL)
// Round robin's session cache belongs to its peers: not to the ones Lua chose.
ngx_int_t set_session(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    if (bp.sockaddr != nullptr || bp.original_set_session == nullptr) return NGX_OK;
    return bp.original_set_session(pc, &bp.rrp);
}

void save_session(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    if (bp.sockaddr == nullptr && bp.original_save_session != nullptr) bp.original_save_session(pc, &bp.rrp);
}
#endif

ngx_int_t init_peer(ngx_http_request_t *r, ngx_http_upstream_srv_conf_t *us) {
    auto *bp = static_cast<BalancerPeer *>(ngx_pcalloc(r->pool, sizeof(BalancerPeer)));
    if (bp == nullptr) return NGX_ERROR;
    ngx_http_upstream_t *u = r->upstream;
    u->peer.data = &bp->rrp;
    if (ngx_http_upstream_init_round_robin_peer(r, us) != NGX_OK) return NGX_ERROR;
    bp->request = r;
    bp->conf = static_cast<UpstreamConf *>(ngx_http_conf_upstream_srv_conf(us, ngx_http_lua_ffi_module));
    u->peer.data = bp;
    u->peer.get = get_peer;
    u->peer.free = free_peer;
#if (NGX_HTTP_SSL)
    bp->original_set_session = u->peer.set_session;
    bp->original_save_session = u->peer.save_session;
    u->peer.set_session = set_session;
    u->peer.save_session = save_session;
#endif
    return NGX_OK;
}

ngx_int_t init_upstream(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us) {
    auto *ucf = static_cast<UpstreamConf *>(ngx_http_conf_upstream_srv_conf(us, ngx_http_lua_ffi_module));
    const ngx_http_upstream_init_pt init =
        ucf->original_init_upstream ? ucf->original_init_upstream : ngx_http_upstream_init_round_robin;
    if (init(cf, us) != NGX_OK) return NGX_ERROR;
    us->peer.init = init_peer;
    return NGX_OK;
}

}  // namespace

void *create_upstream_conf(ngx_conf_t *cf) {
    void *mem = ngx_pcalloc(cf->pool, sizeof(UpstreamConf));
    return mem ? new (mem) UpstreamConf() : nullptr;
}

char *set_balancer_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    char *rv = set_lua_code(cf, cmd, conf);
    if (rv != NGX_CONF_OK) return rv;
    auto *uscf = static_cast<ngx_http_upstream_srv_conf_t *>(
        ngx_http_conf_get_module_srv_conf(cf, ngx_http_upstream_module));
    if (uscf->peer.init_upstream != nullptr) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "load balancing method redefined");
    }
    uscf->peer.init_upstream = init_upstream;
    uscf->flags |= NGX_HTTP_UPSTREAM_CREATE | NGX_HTTP_UPSTREAM_WEIGHT | NGX_HTTP_UPSTREAM_MAX_FAILS |
                  NGX_HTTP_UPSTREAM_FAIL_TIMEOUT | NGX_HTTP_UPSTREAM_DOWN;
    return NGX_CONF_OK;
}

}  // namespace nlf::http
