#pragma once
// Connection pools of the cosocket engine (setkeepalive), one set per worker, keyed by
// "host:port", the "unix:" path, or the connect option `pool`. A pool keeps at most
// `size` idle connections; one made with a backlog also caps the connections open to
// its peer (in use and idle) at `size` and queues up to `backlog` connects beyond.
// A pool lives while it has connections or queued connects, as OpenResty's does.
#include "ngx.hpp"

#include "core/scheduler.hpp"

#include <string>
#include <string_view>

namespace nlf::api::socket {

class Pool {
public:
    static Pool *find(std::string_view key) noexcept;
    // nullptr when out of memory. backlog < 0: no cap on open connections.
    static Pool *create(std::string_view key, size_t size, long backlog) noexcept;
    // Worker exit: every idle connection closed, every queued connect dropped.
    static void close_all() noexcept;

    // An idle connection and how often it was reused before.
    struct Idle {
        ngx_connection_t *c;
        int reused;
    };

    enum class Turn {
        reuse,  // `idle` is the connection to use
        open,   // connect a new connection, counted as open
        queue,  // wait for a turn (enqueue), then claim again with `granted`
        full,   // "too many waiting connect operations"
    };
    // What a connect gets from the pool. `granted`: it waited in the queue and got its
    // turn, which always lets it go on.
    Turn claim(bool granted, Idle &idle) noexcept;
    // The connect of `thread` waits for a turn (the caller started its queue wait).
    void enqueue(core::Thread &thread) noexcept;
    // A queued connect's wait ended without it coming back for its turn (timeout,
    // cancel). May free the pool.
    void left(core::Thread &thread) noexcept;

    // A counted connection closed, or failed to open. May free the pool.
    static void closed(Pool *pool) noexcept;
    // Keeps `c` idle (`counted`: it is one of the pool's open connections already) for
    // `timeout` ms (0: no limit); the least recently kept one goes when more than
    // `size` are idle. False (and `c` untouched) when out of memory.
    bool keep(ngx_connection_t *c, int reused, ngx_msec_t timeout, bool counted) noexcept;

    Pool(const Pool &) = delete;
    Pool &operator=(const Pool &) = delete;

private:
    struct Item;
    Pool(std::string_view key, size_t size, long backlog);
    ~Pool() = default;

    static void on_idle_read(ngx_event_t *ev);
    static void on_idle_write(ngx_event_t *ev);
    void drop_idle(Item &item) noexcept;
    // Queued connects get their turn while a connection is free for them.
    void grant_turns() noexcept;
    size_t free_slots() const noexcept { return idle_ + (open_ < size_ ? size_ - open_ : 0); }
    void free_if_unused() noexcept;

    const std::string key_;
    const size_t size_;
    const long backlog_;
    size_t open_ = 0;     // connections in use or idle that count against the pool
    size_t idle_ = 0;
    size_t queued_ = 0;   // connects waiting for a turn
    size_t granted_ = 0;  // connects that got a turn and have not come back yet
    ngx_queue_t idle_items_;  // most recently kept first
    ngx_queue_t waiters_;     // Wait::queue_link of the queued threads, first come first
};

}  // namespace nlf::api::socket
