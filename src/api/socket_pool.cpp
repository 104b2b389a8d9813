// The cosocket connection pools (see socket_pool.hpp). An idle connection belongs to
// its pool: its handlers watch for the peer closing or sending (the connection is then
// dropped), for the keepalive timeout, and for the worker shutting down (nginx closes
// connections marked idle through their read handler).
#include "api/socket_pool.hpp"

#include <functional>
#include <new>
#include <unordered_map>

namespace nlf::api::socket {

namespace {

struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
};

// Only the worker's event loop touches it; a pool removes itself when unused.
std::unordered_map<std::string, Pool *, KeyHash, std::equal_to<>> &registry() {
    static std::unordered_map<std::string, Pool *, KeyHash, std::equal_to<>> pools;
    return pools;
}

}  // namespace

struct Pool::Item {
    ngx_queue_t queue;  // first: idle_items_ links cast back to the item
    Pool *pool;
    ngx_connection_t *c;
    int reused;

    static Item &of(ngx_queue_t *q) noexcept { return *reinterpret_cast<Item *>(q); }
};

Pool::Pool(std::string_view key, size_t size, long backlog) : key_(key), size_(size), backlog_(backlog) {
    ngx_queue_init(&idle_items_);
    ngx_queue_init(&waiters_);
}

Pool *Pool::find(std::string_view key) noexcept {
    auto &pools = registry();
    auto it = pools.find(key);
    return it == pools.end() ? nullptr : it->second;
}

Pool *Pool::create(std::string_view key, size_t size, long backlog) noexcept {
    Pool *pool = nullptr;
    try {
        pool = new Pool(key, size, backlog);
        registry().emplace(pool->key_, pool);
        return pool;
    } catch (...) {
        delete pool;
        return nullptr;
    }
}

void Pool::close_all() noexcept {
    auto &pools = registry();
    for (auto it = pools.begin(); it != pools.end();) {
        Pool *pool = it->second;
        while (!ngx_queue_empty(&pool->idle_items_)) pool->drop_idle(Item::of(ngx_queue_head(&pool->idle_items_)));
        // Nothing runs after this: queued connects never come back.
        while (!ngx_queue_empty(&pool->waiters_)) {
            core::Thread &thread = core::Wait::QueueLink::of(ngx_queue_head(&pool->waiters_));
            ngx_queue_remove(&thread.wait.queue_link.queue);
            thread.wait.drop_queue_owner();
        }
        pool->queued_ = pool->granted_ = 0;
        if (pool->open_ == 0) {
            it = pools.erase(it);
            delete pool;
        } else {
            // Connections still in use (their owners not gone yet) keep it until closed.
            ++it;
        }
    }
}

Pool::Turn Pool::claim(bool granted, Idle &idle) noexcept {
    if (granted) --granted_;
    if (!granted && backlog_ >= 0 && free_slots() <= granted_) {
        return queued_ < static_cast<size_t>(backlog_) ? Turn::queue : Turn::full;
    }
    // Idle connections beyond those the granted connects will take.
    if (idle_ > granted_) {
        Item &item = Item::of(ngx_queue_head(&idle_items_));
        ngx_queue_remove(&item.queue);
        --idle_;
        idle = {item.c, item.reused};
        delete &item;
        idle.c->idle = 0;
        if (idle.c->read->timer_set) {
            ngx_del_timer(idle.c->read);
        }
        return Turn::reuse;
    }
    ++open_;
    return Turn::open;
}

void Pool::enqueue(core::Thread &thread) noexcept {
    ngx_queue_insert_tail(&waiters_, &thread.wait.queue_link.queue);
    ++queued_;
}

void Pool::left(core::Thread &thread) noexcept {
    if (thread.wait.granted()) {
        // Cancelled before it came back for its turn: the next one gets it.
        --granted_;
        grant_turns();
    } else {
        ngx_queue_remove(&thread.wait.queue_link.queue);
        --queued_;
    }
    free_if_unused();
}

void Pool::grant_turns() noexcept {
    while (queued_ > 0 && free_slots() > granted_) {
        core::Thread &thread = core::Wait::QueueLink::of(ngx_queue_head(&waiters_));
        ngx_queue_remove(&thread.wait.queue_link.queue);
        --queued_;
        ++granted_;
        thread.wait.grant();
    }
}

void Pool::closed(Pool *pool) noexcept {
    --pool->open_;
    pool->grant_turns();
    pool->free_if_unused();
}

void Pool::free_if_unused() noexcept {
    if (open_ != 0 || queued_ != 0 || granted_ != 0) return;
    registry().erase(key_);
    delete this;
}

bool Pool::keep(ngx_connection_t *c, int reused, ngx_msec_t timeout, bool counted) noexcept {
    auto *item = new (std::nothrow) Item{{}, this, c, reused};
    if (item == nullptr) return false;
    if (!counted) ++open_;
    ngx_queue_insert_head(&idle_items_, &item->queue);
    ++idle_;
    if (idle_ > size_) drop_idle(Item::of(ngx_queue_last(&idle_items_)));

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }
    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }
    c->data = item;
    c->idle = 1;
    c->log = ngx_cycle->log;
    c->read->log = c->log;
    c->write->log = c->log;
    c->read->handler = on_idle_read;
    c->write->handler = on_idle_write;
    if (timeout > 0) {
        ngx_add_timer(c->read, timeout);
    }
    grant_turns();
    return true;
}

void Pool::drop_idle(Item &item) noexcept {
    ngx_queue_remove(&item.queue);
    --idle_;
    --open_;
    ngx_close_connection(item.c);
    delete &item;
}

void Pool::on_idle_read(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    Item &item = *static_cast<Item *>(c->data);
    if (!c->close && !ev->timedout) {
        char byte;
        const ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK);
        // A stale event: the connection is still quiet.
        if (n == -1 && ngx_socket_errno == NGX_EAGAIN && ngx_handle_read_event(ev, 0) == NGX_OK) return;
    }
    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, c->log, 0, "lua tcp socket pool \"%s\" drops an idle connection, fd:%d",
                   item.pool->key_.c_str(), c->fd);
    Pool *pool = item.pool;
    pool->drop_idle(item);
    pool->grant_turns();
    pool->free_if_unused();
}

void Pool::on_idle_write(ngx_event_t *ev) {
    // With level-triggered event methods, a writable idle socket must not wake the
    // loop again and again.
    (void)ngx_handle_write_event(ev, 0);
}

}  // namespace nlf::api::socket
