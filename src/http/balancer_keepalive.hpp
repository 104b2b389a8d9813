// The idle upstream connections of one upstream {} with balancer_by_lua*, kept for
// later requests after balancer.enable_keepalive (balancer_keepalive sets how many).
// A connection is kept for what it was made for: the peer, the local address, the TLS
// server name (or set_current_peer's host) and whether it speaks TLS; a request takes
// one back only for the same. Each worker has its own pool (the configuration's
// memory, copied at fork).
#pragma once
#include "ngx_http.hpp"

#include <string_view>

namespace nlf::http {

// What a pooled connection was made for.
struct PeerKey {
    const struct sockaddr *peer;
    socklen_t peer_len;
    const struct sockaddr *local;  // nullptr: the system's choice
    socklen_t local_len;
    std::string_view host;
    bool tls;
};

class KeepalivePool {
public:
    // Longest host a kept connection remembers: a DNS name's limit.
    static constexpr size_t max_host = 255;
    static constexpr ngx_uint_t default_size = 32;  // without balancer_keepalive, as OpenResty

    // At configuration time, in the configuration's pool; nullptr without memory.
    static KeepalivePool *create(ngx_pool_t *pool, ngx_uint_t size);

    // An idle connection made for `key`, no longer in the pool (its log is `log`), or
    // nullptr.
    ngx_connection_t *take(const PeerKey &key, ngx_log_t *log) noexcept;

    // Keeps `c`, which the request is done with, for `idle_timeout` ms (0: until the
    // peer closes it or the worker exits); the least recently used one is closed if
    // the pool is full. false: `c` was not kept (the caller closes it).
    bool keep(ngx_connection_t *c, const PeerKey &key, ngx_msec_t idle_timeout) noexcept;

    // Closes every idle connection (the worker exits).
    void close_all() noexcept;

    struct Idle;

private:
    KeepalivePool() = default;
    void drop(Idle &idle) noexcept;
    static void on_idle_read(ngx_event_t *ev);

    ngx_queue_t kept_;   // Idle::order, the most recently kept first
    ngx_queue_t spare_;  // unused Idle entries
    ngx_queue_t *buckets_ = nullptr;  // Idle::same_hash, by PeerKey's hash
    ngx_uint_t bucket_count_ = 0;
};

}  // namespace nlf::http
