// ngx.balancer: what balancer_by_lua* code says about the try it runs for (see
// http/balancer.cpp). Each function refuses a request without an upstream, and code
// outside balancer_by_lua*, with OpenResty's messages through `err`.
#include "http/api/api.hpp"
#include "http/balancer.hpp"

#include "core/pure/peer_address.hpp"

#include <cstring>

using namespace nlf;
using namespace nlf::http;

namespace {

// The try being chosen, or nullptr with *err set.
BalancerPeer *running_peer(ngx_http_request_t *r, char **err) noexcept {
    if (r == nullptr || r->upstream == nullptr) {
        *err = const_cast<char *>("no upstream found");
        return nullptr;
    }
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr) {
        *err = const_cast<char *>("no ctx found");
        return nullptr;
    }
    if (!(ctx->context & core::ctx_balancer) || ctx->balancer == nullptr) {
        *err = const_cast<char *>("API disabled in the current context");
        return nullptr;
    }
    *err = nullptr;
    return ctx->balancer;
}

}  // namespace

NLF_API int ngx_http_lua_ffi_balancer_set_current_peer(ngx_http_request_t *r, const unsigned char *addr,
                                                       size_t addr_len, int port, const unsigned char *host,
                                                       ssize_t host_len, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    if (port < 0 || port > 65535) {
        *err = const_cast<char *>("invalid port");
        return NGX_ERROR;
    }
    core::address::Parsed parsed;
    if (const char *why = core::address::parse_peer({reinterpret_cast<const char *>(addr), addr_len}, port, parsed)) {
        *err = const_cast<char *>(why);
        return NGX_ERROR;
    }
    if (parsed.kind == core::address::Parsed::Kind::name) {
        *err = const_cast<char *>("no host allowed");
        return NGX_ERROR;
    }
    // Both live as long as the request: nginx reads them while it connects and logs.
    auto *sockaddr = static_cast<ngx_sockaddr_t *>(ngx_palloc(r->pool, sizeof(ngx_sockaddr_t)));
    auto *name = static_cast<ngx_str_t *>(ngx_palloc(r->pool, sizeof(ngx_str_t)));
    u_char *text = static_cast<u_char *>(ngx_pnalloc(r->pool, NGX_SOCKADDR_STRLEN));
    if (sockaddr == nullptr || name == nullptr || text == nullptr) {
        *err = const_cast<char *>("no memory");
        return NGX_ERROR;
    }
    std::memcpy(sockaddr, &parsed.sockaddr, parsed.socklen);
    name->data = text;
    name->len = ngx_sock_ntop(&sockaddr->sockaddr, parsed.socklen, text, NGX_SOCKADDR_STRLEN, 1);
    ngx_str_t name_host{0, nullptr};
    if (host != nullptr && host_len > 0) {
        name_host.data = static_cast<u_char *>(ngx_pnalloc(r->pool, static_cast<size_t>(host_len)));
        if (name_host.data == nullptr) {
            *err = const_cast<char *>("no memory");
            return NGX_ERROR;
        }
        std::memcpy(name_host.data, host, static_cast<size_t>(host_len));
        name_host.len = static_cast<size_t>(host_len);
    }
    bp->sockaddr = &sockaddr->sockaddr;
    bp->socklen = parsed.socklen;
    bp->name = name;
    bp->host = name_host;
    return NGX_OK;
}

// The connection of this try is kept for later requests to the same peer once the
// request is done with it (see http/balancer_keepalive.hpp); timeout in ms, 0: none.
NLF_API int ngx_http_lua_ffi_balancer_enable_keepalive(ngx_http_request_t *r, unsigned long timeout,
                                                       unsigned int max_requests, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    if (bp->sockaddr == nullptr) {
        *err = const_cast<char *>("no current peer set");
        return NGX_ERROR;
    }
    bp->keepalive = true;
    bp->keepalive_timeout = static_cast<ngx_msec_t>(timeout);
    bp->keepalive_requests = max_requests;
    return NGX_OK;
}

NLF_API int ngx_http_lua_ffi_balancer_set_more_tries(ngx_http_request_t *r, int count, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    if (count < 0) count = 0;
    // proxy_next_upstream_tries & co bound all tries of the request: those made (this
    // one included), those left, and these.
    const ngx_uint_t max_tries = r->upstream->conf->next_upstream_tries;
    const ngx_int_t total = bp->tries_made + static_cast<ngx_int_t>(r->upstream->peer.tries) - 1;
    if (max_tries && total + count > static_cast<ngx_int_t>(max_tries)) {
        const ngx_int_t allowed = static_cast<ngx_int_t>(max_tries) - total;
        count = allowed > 0 ? static_cast<int>(allowed) : 0;
        *err = const_cast<char *>("reduced tries due to limit");
    }
    bp->more_tries = count;
    return NGX_OK;
}

// The state the previous try's peer was let go with (NGX_PEER_NEXT / NGX_PEER_FAILED),
// 0 on the first try; *status: the status that try ended with.
NLF_API int ngx_http_lua_ffi_balancer_get_last_failure(ngx_http_request_t *r, int *status, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    *status = 0;
    // nginx adds this try's state before asking for its peer: the last one is the one before.
    if (r->upstream_states != nullptr && r->upstream_states->nelts > 1) {
        const auto *states = static_cast<const ngx_http_upstream_state_t *>(r->upstream_states->elts);
        *status = static_cast<int>(states[r->upstream_states->nelts - 2].status);
    }
    return static_cast<int>(bp->last_state);
}

// In ms, 0: unchanged. Stock nginx has no per-request timeouts: the request gets its
// own copy of the upstream's configuration once.
NLF_API int ngx_http_lua_ffi_balancer_set_timeouts(ngx_http_request_t *r, long connect_timeout, long send_timeout,
                                                   long read_timeout, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    ngx_http_upstream_t *u = r->upstream;
    if (!bp->conf_copied) {
        auto *copy = static_cast<ngx_http_upstream_conf_t *>(ngx_palloc(r->pool, sizeof(ngx_http_upstream_conf_t)));
        if (copy == nullptr) {
            *err = const_cast<char *>("no memory");
            return NGX_ERROR;
        }
        std::memcpy(copy, u->conf, sizeof(ngx_http_upstream_conf_t));
        u->conf = copy;
        bp->conf_copied = true;
    }
    if (connect_timeout > 0) u->conf->connect_timeout = static_cast<ngx_msec_t>(connect_timeout);
    if (send_timeout > 0) u->conf->send_timeout = static_cast<ngx_msec_t>(send_timeout);
    if (read_timeout > 0) u->conf->read_timeout = static_cast<ngx_msec_t>(read_timeout);
    return NGX_OK;
}

// The upstream request made anew (by the proxy, fastcgi, ... module) for this try,
// after the code changed what it is made of.
NLF_API int ngx_http_lua_ffi_balancer_recreate_request(ngx_http_request_t *r, char **err) noexcept {
    BalancerPeer *bp = running_peer(r, err);
    if (bp == nullptr) return NGX_ERROR;
    ngx_http_upstream_t *u = r->upstream;
    if (u->create_request == nullptr) {
        *err = const_cast<char *>("no create_request handler");
        return NGX_ERROR;
    }
    // create_request puts its header in front of u->request_bufs, which must be the
    // body again, as when nginx first made the request (the old header goes with the
    // request's pool).
    u->request_bufs = r->request_body != nullptr ? r->request_body->bufs : nullptr;
    if (u->create_request(r) != NGX_OK) {
        *err = const_cast<char *>("failed to create the upstream request");
        return NGX_ERROR;
    }
    return NGX_OK;
}

// TLS to the peer on or off for this request; on needs the location's TLS settings
// (proxy_pass https://..., proxy_ssl_*).
NLF_API int ngx_http_lua_ffi_balancer_set_upstream_tls(ngx_http_request_t *r, int on, char **err) noexcept {
    if (running_peer(r, err) == nullptr) return NGX_ERROR;
#if (NGX_HTTP_SSL)
    ngx_http_upstream_t *u = r->upstream;
    if (on && u->conf->ssl == nullptr) {
        *err = const_cast<char *>("no TLS settings for this upstream (proxy_pass https:// or proxy_ssl_*)");
        return NGX_ERROR;
    }
    u->ssl = on ? 1 : 0;
    // The scheme nginx reports the upstream with (the error log's "upstream:") follows.
    if (view(u->schema).starts_with("http")) {
        u->schema = on ? ngx_str("https://") : ngx_str("http://");
    } else if (view(u->schema).starts_with("grpc")) {
        u->schema = on ? ngx_str("grpcs://") : ngx_str("grpc://");
    }
    return NGX_OK;
#else
    (void)on;
    *err = const_cast<char *>("no TLS support in this nginx");
    return NGX_ERROR;
#endif
}

// The local address this request's upstream connections are made from.
NLF_API int ngx_http_lua_ffi_balancer_bind_to_local_addr(ngx_http_request_t *r, const u_char *addr, size_t addr_len,
                                                         u_char *errbuf, size_t *errbuf_size) noexcept {
    char *err = nullptr;
    BalancerPeer *bp = running_peer(r, &err);
    const char *msg = err;
    if (bp != nullptr) {
        auto *local = static_cast<ngx_addr_t *>(ngx_pcalloc(r->pool, sizeof(ngx_addr_t)));
        if (local == nullptr) {
            msg = "no memory";
        } else {
            const ngx_int_t rc = ngx_parse_addr_port(r->pool, local, const_cast<u_char *>(addr), addr_len);
            if (rc == NGX_OK) {
                local->name.data = static_cast<u_char *>(ngx_pnalloc(r->pool, addr_len ? addr_len : 1));
                if (local->name.data != nullptr) {
                    if (addr_len) std::memcpy(local->name.data, addr, addr_len);
                    local->name.len = addr_len;
                    bp->local = local;
                    return NGX_OK;
                }
                msg = "no memory";
            } else {
                msg = rc == NGX_DECLINED ? "invalid addr" : "no memory";
            }
        }
    }
    u_char *end = ngx_snprintf(errbuf, *errbuf_size, "%s", msg);
    *errbuf_size = static_cast<size_t>(end - errbuf);
    return NGX_ERROR;
}
