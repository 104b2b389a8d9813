// How an idle connection lives in the pool: nginx's own upstream keepalive module is
// the model (its checks before keeping, its read handler while idle, its quiet TLS
// close). Idle connections have c->idle set, so a worker that exits gracefully (reload,
// quit) closes them through their read handler with c->close set.
#include "http/balancer_keepalive.hpp"

#include <cstring>
#include <new>

#include <sys/socket.h>

namespace nlf::http {

struct KeepalivePool::Idle {
    ngx_queue_t order;      // in kept_ or spare_
    ngx_queue_t same_hash;  // in a bucket, while kept
    KeepalivePool *pool;
    ngx_connection_t *connection;
    uint32_t hash;
    ngx_sockaddr_t peer;
    socklen_t peer_len;
    ngx_sockaddr_t local;
    socklen_t local_len;  // 0: no local address
    bool tls;
    size_t host_len;
    u_char host[max_host];
};

namespace {

uint32_t key_hash(const PeerKey &key) {
    uint32_t crc;
    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, reinterpret_cast<u_char *>(const_cast<sockaddr *>(key.peer)), key.peer_len);
    if (key.local != nullptr) {
        ngx_crc32_update(&crc, reinterpret_cast<u_char *>(const_cast<sockaddr *>(key.local)), key.local_len);
    }
    ngx_crc32_update(&crc, reinterpret_cast<u_char *>(const_cast<char *>(key.host.data())), key.host.size());
    u_char tls = key.tls ? 1 : 0;
    ngx_crc32_update(&crc, &tls, 1);
    ngx_crc32_final(crc);
    return crc;
}

bool made_for(const KeepalivePool::Idle &idle, const PeerKey &key, uint32_t hash) {
    if (idle.hash != hash || idle.tls != key.tls || idle.host_len != key.host.size()) return false;
    if (idle.host_len && std::memcmp(idle.host, key.host.data(), idle.host_len) != 0) return false;
    const socklen_t local_len = key.local != nullptr ? key.local_len : 0;
    if (idle.local_len != local_len) return false;
    if (local_len && ngx_cmp_sockaddr(const_cast<sockaddr *>(&idle.local.sockaddr), idle.local_len,
                                      const_cast<sockaddr *>(key.local), local_len, 1) != NGX_OK) {
        return false;
    }
    return ngx_cmp_sockaddr(const_cast<sockaddr *>(&idle.peer.sockaddr), idle.peer_len,
                            const_cast<sockaddr *>(key.peer), key.peer_len, 1) == NGX_OK;
}

void close_connection(ngx_connection_t *c) {
#if (NGX_HTTP_SSL)
    if (c->ssl != nullptr) {
        c->ssl->no_wait_shutdown = 1;
        c->ssl->no_send_shutdown = 1;
        if (ngx_ssl_shutdown(c) == NGX_AGAIN) {
            c->ssl->handler = close_connection;
            return;
        }
    }
#endif
    ngx_destroy_pool(c->pool);
    ngx_close_connection(c);
}

void ignore_event(ngx_event_t *) {}

}  // namespace

KeepalivePool *KeepalivePool::create(ngx_pool_t *pool, ngx_uint_t size) {
    void *mem = ngx_pcalloc(pool, sizeof(KeepalivePool));
    auto *entries = static_cast<Idle *>(ngx_pcalloc(pool, sizeof(Idle) * size));
    auto *buckets = static_cast<ngx_queue_t *>(ngx_pcalloc(pool, sizeof(ngx_queue_t) * size));
    if (mem == nullptr || entries == nullptr || buckets == nullptr) return nullptr;
    auto *kp = new (mem) KeepalivePool();
    ngx_queue_init(&kp->kept_);
    ngx_queue_init(&kp->spare_);
    for (ngx_uint_t i = 0; i < size; i++) {
        entries[i].pool = kp;
        ngx_queue_insert_tail(&kp->spare_, &entries[i].order);
        ngx_queue_init(&buckets[i]);
    }
    kp->buckets_ = buckets;
    kp->bucket_count_ = size;
    return kp;
}

ngx_connection_t *KeepalivePool::take(const PeerKey &key, ngx_log_t *log) noexcept {
    const uint32_t hash = key_hash(key);
    ngx_queue_t *bucket = &buckets_[hash % bucket_count_];
    for (ngx_queue_t *q = ngx_queue_head(bucket); q != ngx_queue_sentinel(bucket); q = ngx_queue_next(q)) {
        Idle &idle = *ngx_queue_data(q, Idle, same_hash);
        if (!made_for(idle, key, hash)) continue;
        ngx_queue_remove(&idle.order);
        ngx_queue_remove(&idle.same_hash);
        ngx_queue_insert_head(&spare_, &idle.order);
        ngx_connection_t *c = idle.connection;
        idle.connection = nullptr;
        c->idle = 0;
        c->sent = 0;
        c->data = nullptr;
        c->log = log;
        c->read->log = log;
        c->write->log = log;
        c->pool->log = log;
        if (c->read->timer_set) ngx_del_timer(c->read);
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "balancer keepalive: reusing connection %p", c);
        return c;
    }
    return nullptr;
}

bool KeepalivePool::keep(ngx_connection_t *c, const PeerKey &key, ngx_msec_t idle_timeout) noexcept {
    if (key.host.size() > max_host || key.peer_len > sizeof(ngx_sockaddr_t) ||
        (key.local != nullptr && key.local_len > sizeof(ngx_sockaddr_t))) {
        return false;
    }
    if (ngx_handle_read_event(c->read, 0) != NGX_OK) return false;
    if (ngx_queue_empty(&spare_)) drop(*ngx_queue_data(ngx_queue_last(&kept_), Idle, order));

    ngx_queue_t *q = ngx_queue_head(&spare_);
    Idle &idle = *ngx_queue_data(q, Idle, order);
    ngx_queue_remove(q);
    ngx_queue_insert_head(&kept_, q);
    idle.hash = key_hash(key);
    ngx_queue_insert_head(&buckets_[idle.hash % bucket_count_], &idle.same_hash);
    std::memcpy(&idle.peer, key.peer, key.peer_len);
    idle.peer_len = key.peer_len;
    idle.local_len = key.local != nullptr ? key.local_len : 0;
    if (idle.local_len) std::memcpy(&idle.local, key.local, idle.local_len);
    idle.tls = key.tls;
    idle.host_len = key.host.size();
    if (idle.host_len) std::memcpy(idle.host, key.host.data(), idle.host_len);
    idle.connection = c;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, 0, "balancer keepalive: keeping connection %p", c);
    c->read->delayed = 0;
    if (idle_timeout) {
        ngx_add_timer(c->read, idle_timeout);
    } else if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }
    if (c->write->timer_set) ngx_del_timer(c->write);
    c->write->handler = ignore_event;
    c->read->handler = on_idle_read;
    c->data = &idle;
    c->idle = 1;
    c->log = ngx_cycle->log;
    c->read->log = ngx_cycle->log;
    c->write->log = ngx_cycle->log;
    c->pool->log = ngx_cycle->log;
    // What the peer sent after the response (its close, mostly) is handled at once.
    if (c->read->ready) on_idle_read(c->read);
    return true;
}

void KeepalivePool::close_all() noexcept {
    while (!ngx_queue_empty(&kept_)) drop(*ngx_queue_data(ngx_queue_head(&kept_), Idle, order));
}

void KeepalivePool::drop(Idle &idle) noexcept {
    ngx_queue_remove(&idle.order);
    ngx_queue_remove(&idle.same_hash);
    ngx_queue_insert_head(&spare_, &idle.order);
    ngx_connection_t *c = idle.connection;
    idle.connection = nullptr;
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, 0, "balancer keepalive: closing connection %p", c);
    close_connection(c);
}

// An idle connection is readable: the peer closed it or sent what no request asked
// for; either way it cannot serve another request. Its idle time ran out, or the
// worker is exiting (c->close): it goes too.
void KeepalivePool::on_idle_read(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    auto &idle = *static_cast<Idle *>(c->data);
    if (!c->close && !ev->timedout) {
        char byte;
        if (recv(c->fd, &byte, 1, MSG_PEEK) == -1 && ngx_socket_errno == NGX_EAGAIN) {
            ev->ready = 0;
            if (ngx_handle_read_event(ev, 0) == NGX_OK) return;
        }
    }
    idle.pool->drop(idle);
}

}  // namespace nlf::http
