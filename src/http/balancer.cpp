// balancer_by_lua*: installed as the upstream's peer.init over the upstream's own
// balancer's; its get runs the Lua code for every try (the first and each retry nginx
// makes), its free records how the try ended (balancer.get_last_failure), counts tries
// down for peers Lua chose and keeps their connections after enable_keepalive. The
// code runs synchronously in the request's context: nginx's peer interface cannot
// wait, so RequestCtx::may_wait() is false while it runs (waits, output and light
// threads are refused as in OpenResty).
#include "http/balancer.hpp"

#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

#include <new>

namespace nlf::http {

namespace {

// The ngx.exit status the code ended with, as the peer's get returns it: OK goes on
// with the peer, DECLINED fails this try (nginx tries the next one if tries are left),
// anything else fails the request.
ngx_int_t exit_rc(const RequestCtx &ctx) {
    const ngx_int_t code = ctx.exit_code;
    if (code == NGX_OK || code == NGX_DECLINED) return code;
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

// The request's context while the code runs for one try: what it changes is put back
// however the run ends.
class BalancerRun {
public:
    BalancerRun(RequestCtx &ctx, BalancerPeer &bp) noexcept
        : ctx_(ctx), saved_peer_(ctx.balancer), saved_exit_code_(ctx.exit_code) {
        ctx.balancer = &bp;
        ctx.exit_code = NGX_OK;
    }
    ~BalancerRun() {
        ctx_.balancer = saved_peer_;
        ctx_.exit_code = saved_exit_code_;
    }
    BalancerRun(const BalancerRun &) = delete;
    BalancerRun &operator=(const BalancerRun &) = delete;

private:
    RequestCtx &ctx_;
    BalancerPeer *const saved_peer_;
    const ngx_int_t saved_exit_code_;
};

// Runs the balancer code for this try; NGX_OK when it ended normally.
ngx_int_t run_balancer(BalancerPeer &bp) {
    ngx_http_request_t *r = bp.request;
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_ERROR;
    core::ScopedThread thread(*main_conf(r)->vm);
    BalancerRun run(*ctx, bp);
    const SyncStatus status = run_sync(*ctx, bp.conf->balancer, core::ctx_balancer, thread.co());
    if (status == SyncStatus::exited) return exit_rc(*ctx);
    return status == SyncStatus::done ? NGX_OK : NGX_ERROR;
}

// 0.0.0.0/8 is never a destination: the placeholder server of a balancer_by_lua*
// upstream is there.
bool is_placeholder(const struct sockaddr *sa) {
    return sa != nullptr && sa->sa_family == AF_INET &&
           (ntohl(reinterpret_cast<const sockaddr_in *>(sa)->sin_addr.s_addr) >> 24) == 0;
}

// The TLS server name a connection of this try is made with: the peer's host, else
// proxy_ssl_name & co, else the upstream's name.
ngx_str_t tls_name(const BalancerPeer &bp) {
    if (bp.host.len) return bp.host;
#if (NGX_HTTP_SSL)
    ngx_http_upstream_t *u = bp.request->upstream;
    ngx_str_t name;
    if (u->conf->ssl_name != nullptr && ngx_http_complex_value(bp.request, u->conf->ssl_name, &name) == NGX_OK) {
        return name;
    }
#endif
    return bp.default_ssl_name;
}

PeerKey pool_key(const BalancerPeer &bp, const ngx_peer_connection_t *pc) {
    const bool tls = bp.request->upstream->ssl;
    const ngx_str_t host = tls ? tls_name(bp) : bp.host;
    return PeerKey{bp.sockaddr,
                   bp.socklen,
                   pc->local != nullptr ? pc->local->sockaddr : nullptr,
                   pc->local != nullptr ? pc->local->socklen : 0,
                   view(host),
                   tls};
}

// nginx's own keepalive module's conditions: the try succeeded, the connection is
// sound, the response was read to its end and allowed another request.
bool may_keep(const BalancerPeer &bp, const ngx_connection_t *c, ngx_uint_t state) {
    if ((state & NGX_PEER_FAILED) || c == nullptr || c->read->eof || c->read->error || c->read->timedout ||
        c->write->error || c->write->timedout) {
        return false;
    }
    if (bp.keepalive_requests && c->requests >= bp.keepalive_requests) return false;
    const ngx_http_upstream_t *u = bp.request->upstream;
    return u->keepalive && u->request_body_sent && !ngx_terminate && !ngx_exiting;
}

ngx_int_t get_peer(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    ngx_http_upstream_t *u = bp.request->upstream;
    bp.sockaddr = nullptr;
    bp.socklen = 0;
    bp.name = nullptr;
    bp.host = ngx_str_t{0, nullptr};
    bp.more_tries = 0;
    bp.keepalive = false;
    bp.tries_made++;
    const ngx_int_t rc = core::guarded(pc->log, static_cast<ngx_int_t>(NGX_ERROR), [&] { return run_balancer(bp); });
    if (rc != NGX_OK && rc != NGX_DECLINED) return rc;
    if (bp.more_tries) u->peer.tries += bp.more_tries;
    if (rc == NGX_DECLINED) {
        // nginx goes on to the next try without letting this one's peer go (it has
        // none): the try is counted here, or the tries would never run out.
        if (pc->tries) pc->tries--;
        bp.last_state = NGX_PEER_FAILED;
        return NGX_DECLINED;
    }
    if (bp.local != nullptr) pc->local = bp.local;
#if (NGX_HTTP_SSL)
    u->ssl_name = bp.host.len ? bp.host : bp.default_ssl_name;
#endif
    if (bp.sockaddr == nullptr) {
        const ngx_int_t original_rc = bp.original_get(pc, bp.original_data);
        if (original_rc != NGX_ERROR && original_rc != NGX_BUSY && is_placeholder(pc->sockaddr)) {
            ngx_log_error(NGX_LOG_ERR, pc->log, 0, "lua balancer: no peer set");
            return NGX_ERROR;
        }
        return original_rc;
    }
    pc->sockaddr = bp.sockaddr;
    pc->socklen = bp.socklen;
    pc->name = bp.name;
    pc->cached = 0;
    pc->connection = nullptr;
    if (bp.keepalive) {
        if (ngx_connection_t *c = bp.conf->keepalive->take(pool_key(bp, pc), pc->log)) {
            pc->connection = c;
            pc->cached = 1;
            return NGX_DONE;
        }
    }
    return NGX_OK;
}

void free_peer(ngx_peer_connection_t *pc, void *data, ngx_uint_t state) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    bp.last_state = state;
    if (bp.sockaddr == nullptr) {
        bp.original_free(pc, bp.original_data, state);
        return;
    }
    if (pc->tries) pc->tries--;
    if (bp.keepalive && may_keep(bp, pc->connection, state) &&
        bp.conf->keepalive->keep(pc->connection, pool_key(bp, pc), bp.keepalive_timeout)) {
        pc->connection = nullptr;
    }
}

#if (NGX_HTTP_SSL)
// The upstream's own balancer keeps TLS sessions for its peers: not for the ones Lua chose.
ngx_int_t set_session(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    if (bp.sockaddr != nullptr || bp.original_set_session == nullptr) return NGX_OK;
    return bp.original_set_session(pc, bp.original_data);
}

void save_session(ngx_peer_connection_t *pc, void *data) {
    auto &bp = *static_cast<BalancerPeer *>(data);
    if (bp.sockaddr == nullptr && bp.original_save_session != nullptr) bp.original_save_session(pc, bp.original_data);
}
#endif

ngx_int_t init_peer(ngx_http_request_t *r, ngx_http_upstream_srv_conf_t *us) {
    auto *conf = static_cast<UpstreamConf *>(ngx_http_conf_upstream_srv_conf(us, ngx_http_lua_ffi_module));
    if (conf->original_init_peer(r, us) != NGX_OK) return NGX_ERROR;
    auto *bp = static_cast<BalancerPeer *>(ngx_pcalloc(r->pool, sizeof(BalancerPeer)));
    if (bp == nullptr) return NGX_ERROR;
    ngx_http_upstream_t *u = r->upstream;
    bp->request = r;
    bp->conf = conf;
    bp->original_data = u->peer.data;
    bp->original_get = u->peer.get;
    bp->original_free = u->peer.free;
#if (NGX_HTTP_SSL)
    bp->default_ssl_name = u->ssl_name;
    bp->original_set_session = u->peer.set_session;
    bp->original_save_session = u->peer.save_session;
    u->peer.set_session = set_session;
    u->peer.save_session = save_session;
#endif
    u->peer.data = bp;
    u->peer.get = get_peer;
    u->peer.free = free_peer;
    u->peer.notify = nullptr;  // it would be given this balancer's data, not its own
    return NGX_OK;
}

ngx_int_t init_upstream(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us) {
    auto *ucf = static_cast<UpstreamConf *>(ngx_http_conf_upstream_srv_conf(us, ngx_http_lua_ffi_module));
    ngx_conf_init_uint_value(ucf->keepalive_size, KeepalivePool::default_size);
    if (ucf->original_init_upstream(cf, us) != NGX_OK) return NGX_ERROR;
    ucf->original_init_peer = us->peer.init;
    us->peer.init = init_peer;
    ucf->keepalive = KeepalivePool::create(cf->pool, ucf->keepalive_size);
    return ucf->keepalive != nullptr ? NGX_OK : NGX_ERROR;
}

// As OpenResty: an upstream with balancer_by_lua* needs no server of its own.
bool add_placeholder_server(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *uscf) {
    auto *us = static_cast<ngx_http_upstream_server_t *>(ngx_array_push(uscf->servers));
    if (us == nullptr) return false;
    ngx_memzero(us, sizeof(ngx_http_upstream_server_t));
    ngx_url_t url{};
    ngx_str_set(&url.url, "0.0.0.1");
    url.default_port = 80;
    if (ngx_parse_url(cf->pool, &url) != NGX_OK) return false;
    us->name = url.url;
    us->addrs = url.addrs;
    us->naddrs = url.naddrs;
    us->weight = 1;
    us->max_fails = 1;
    us->fail_timeout = 10;
    return true;
}

}  // namespace

void *create_upstream_conf(ngx_conf_t *cf) {
    void *mem = ngx_pcalloc(cf->pool, sizeof(UpstreamConf));
    return mem ? new (mem) UpstreamConf() : nullptr;
}

char *set_balancer_code(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    char *rv = set_lua_code(cf, cmd, conf);
    if (rv != NGX_CONF_OK) return rv;
    auto *ucf = static_cast<UpstreamConf *>(conf);
    auto *uscf = static_cast<ngx_http_upstream_srv_conf_t *>(
        ngx_http_conf_get_module_srv_conf(cf, ngx_http_upstream_module));
    if (uscf->servers->nelts == 0 && !add_placeholder_server(cf, uscf)) return static_cast<char *>(NGX_CONF_ERROR);
    // hash, least_conn, ... before the directive stay underneath, as in OpenResty (a
    // keepalive after it wraps this balancer, as nginx's keepalive wraps any).
    if (uscf->peer.init_upstream != nullptr) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "load balancing method redefined");
        ucf->original_init_upstream = uscf->peer.init_upstream;
    } else {
        ucf->original_init_upstream = ngx_http_upstream_init_round_robin;
    }
    uscf->peer.init_upstream = init_upstream;
    uscf->flags |= NGX_HTTP_UPSTREAM_CREATE | NGX_HTTP_UPSTREAM_WEIGHT | NGX_HTTP_UPSTREAM_MAX_FAILS |
                  NGX_HTTP_UPSTREAM_FAIL_TIMEOUT | NGX_HTTP_UPSTREAM_DOWN;
    return NGX_CONF_OK;
}

char *set_balancer_keepalive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    auto *ucf = static_cast<UpstreamConf *>(conf);
    if (ucf->keepalive_size != NGX_CONF_UNSET_UINT) return const_cast<char *>("is duplicate");
    auto *value = static_cast<ngx_str_t *>(cf->args->elts);
    const ngx_int_t n = ngx_atoi(value[1].data, value[1].len);
    if (n == NGX_ERROR || n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid value \"%V\" in \"%V\" directive", &value[1], &cmd->name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    ucf->keepalive_size = static_cast<ngx_uint_t>(n);
    return NGX_CONF_OK;
}

void close_balancer_connections(ngx_cycle_t *cycle) {
    auto *umcf = static_cast<ngx_http_upstream_main_conf_t *>(
        ngx_http_cycle_get_module_main_conf(cycle, ngx_http_upstream_module));
    if (umcf == nullptr) return;
    auto **upstreams = static_cast<ngx_http_upstream_srv_conf_t **>(umcf->upstreams.elts);
    for (ngx_uint_t i = 0; i < umcf->upstreams.nelts; i++) {
        if (upstreams[i]->srv_conf == nullptr) continue;
        auto *ucf = static_cast<UpstreamConf *>(ngx_http_conf_upstream_srv_conf(upstreams[i], ngx_http_lua_ffi_module));
        if (ucf->keepalive != nullptr) ucf->keepalive->close_all();
    }
}

}  // namespace nlf::http
