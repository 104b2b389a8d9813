// The TCP / unix-domain stream cosocket engine (see socket.hpp). A socket belongs to
// the owner (request, timer run) whose thread made it; a reader and a writer may wait
// on it at the same time (full duplex), each with its own timeout. Event handlers only
// wake the waiting thread: receive and send then run again in the thread itself, so
// every outcome (data, partial data, timeout, close) is worked out in one place.
#include "api/socket.hpp"

#include "api/resolver.hpp"
#include "api/socket_pool.hpp"
#include "core/ffi_error.hpp"
#include "core/pure/peer_address.hpp"
#include "core/pure/stream_pattern.hpp"

extern "C" {
#include <ngx_event_connect.h>
}

#include <netinet/tcp.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

namespace nlf::api::socket {

namespace {
constexpr const char *timeout_text = "timeout";
using ErrText = char[128];
uint64_t last_pattern_id = 0;
}

class UntilPattern {
public:
    UntilPattern(std::string_view pattern, bool is_inclusive)
        : matcher(pattern), inclusive(is_inclusive), id(++last_pattern_id) {}

    const core::StreamPattern matcher;
    const bool inclusive;
    const uint64_t id;  // tells a scan in progress on a socket whose it is
};

class TcpSocket {
public:
    TcpSocket(core::Owner &owner, const Settings &settings) noexcept : owner_(&owner), settings_(settings) {
        resource_.release = release;
        resource_.link.next = nullptr;
        owner.adopt(resource_);
    }
    ~TcpSocket() {
        resource_.detach();
        shut();
    }
    TcpSocket(const TcpSocket &) = delete;
    TcpSocket &operator=(const TcpSocket &) = delete;

    int usable(core::Thread &thread, const char **err) const noexcept {
        if (owner_ == nullptr) {
            *err = "closed";
            return NGX_ERROR;
        }
        if (&thread.owner != owner_) {
            *err = "bad request";
            return NGX_ERROR;
        }
        // A failed or cancelled connect closes the connection under any other waiter
        // (while the name is resolved there is none yet).
        if (connecting_) {
            *err = "socket busy connecting";
            return NGX_ERROR;
        }
        if (c_ == nullptr) {
            *err = "closed";
            return NGX_ERROR;
        }
        return NGX_OK;
    }

    int connect(core::Thread &thread, std::string_view host, int port, const char **err) noexcept;
    int connect_turn(core::Thread &thread, const char **err) noexcept;
    int set_pool_options(std::string_view name, long size, long backlog) noexcept {
        try {
            pool_name_.assign(name);
        } catch (...) {
            return NGX_ERROR;
        }
        pool_size_option_ = size;
        backlog_option_ = backlog;
        return NGX_OK;
    }
    int set_keepalive(core::Thread &thread, long timeout_ms, long size, const char **err) noexcept;
    int reused_times(core::Thread &thread, int *times, const char **err) const noexcept {
        if (usable(thread, err) != NGX_OK) return NGX_ERROR;
        *times = reused_;
        return NGX_OK;
    }
    int receive_until(core::Thread &thread, const UntilPattern &pattern, size_t size, const char **data,
                      size_t *len, const char **err) noexcept;
    int send(core::Thread &thread, std::string_view data, size_t *sent, const char **err) noexcept;
    int receive(core::Thread &thread, ReceiveMode mode, size_t size, const char **data, size_t *len,
                const char **err) noexcept;
    int close(core::Thread &thread, const char **err) noexcept;
    int bind(core::Thread &thread, std::string_view address, const char **err) noexcept;
    int option(int option, int *value, bool set, u_char *err, size_t *errlen) noexcept;
    void set_timeouts(long connect_ms, long send_ms, long read_ms) noexcept {
        if (connect_ms >= 0) settings_.connect_timeout = static_cast<ngx_msec_t>(connect_ms);
        if (send_ms >= 0) settings_.send_timeout = static_cast<ngx_msec_t>(send_ms);
        if (read_ms >= 0) settings_.read_timeout = static_cast<ngx_msec_t>(read_ms);
    }

private:
    static void release(core::OwnedResource &resource) noexcept {
        auto *self = reinterpret_cast<TcpSocket *>(reinterpret_cast<char *>(&resource) -
                                                   offsetof(TcpSocket, resource_));
        // The owner is being destroyed: only the connection's log is still to be used.
        if (self->c_ != nullptr) {
            ngx_log_debug0(NGX_LOG_DEBUG_EVENT, self->c_->log, 0, "lua tcp socket closed: its owner ended");
        }
        self->shut();
        self->owner_ = nullptr;
    }
    static void on_read(ngx_event_t *ev);
    static void on_write(ngx_event_t *ev);
    static void cancel_read(void *data) noexcept;
    static void cancel_write(void *data) noexcept;
    static void leave_turn(core::Thread &thread, void *data) noexcept;
    static void on_resolved(void *data, const char *err) noexcept;
    // Connects to sockaddr_: NGX_OK, NGX_AGAIN (the connect timer runs), NGX_ERROR.
    int connect_peer(const char **err) noexcept;
    void set_peer_name() noexcept {
        name_.len = ngx_sock_ntop(&sockaddr_.sockaddr, socklen_, reinterpret_cast<u_char *>(name_data_),
                                  sizeof(name_data_), 1);
        name_.data = reinterpret_cast<u_char *>(name_data_);
    }

    // Drops the connection; a waiting thread's wait is dropped with it.
    void shut() noexcept {
        if (reader_ != nullptr) reader_->wait.cancel();
        if (writer_ != nullptr) writer_->wait.cancel();
        resolution_.cancel();
        if (c_ != nullptr) close_connection();
        leave_pool();  // a connect that was still resolving its name
        connecting_ = false;
        in_.clear();
        in_.shrink_to_fit();
        in_pos_ = 0;
        scan_ = {};
        eof_ = false;
        send_broken_ = false;
        reused_ = 0;
        read_error_ = write_error_ = nullptr;
    }
    void close_connection() noexcept {
        ngx_close_connection(c_);
        c_ = nullptr;
        leave_pool();
    }
    // The connection no longer counts against its pool.
    void leave_pool() noexcept {
        if (pool_ == nullptr) return;
        Pool *pool = pool_;
        pool_ = nullptr;
        Pool::closed(pool);
    }
    // `c` (new, or from a pool) is the socket's connection now.
    void adopt(ngx_connection_t *c) noexcept {
        c_ = c;
        c_->data = this;
        c_->read->handler = on_read;
        c_->write->handler = on_write;
        c_->log = owner_->log();
        c_->read->log = c_->log;
        c_->write->log = c_->log;
    }
    int join_pool(core::Thread &thread, bool granted, Pool *pool, const char **err) noexcept;
    int open_connection(core::Thread &thread, const char **err) noexcept;
    // Reads what has arrived: NGX_OK (something), NGX_AGAIN (a wait started), or
    // NGX_DECLINED (eof_ or read_error_ is set now).
    int fill(core::Thread &thread) noexcept;
    // The bytes before in_pos_ are gone.
    void compact() noexcept {
        if (in_pos_ == 0) return;
        in_.erase(0, in_pos_);
        in_pos_ = 0;
    }
    bool wait_for(ngx_event_t *ev, core::Thread &thread, ngx_msec_t timeout, bool reading) noexcept;
    static const char *errno_text(ngx_err_t e, ErrText &text) noexcept;
    void log_timeout(const char *what) noexcept;
    // The reply to receive from the buffered bytes, or false when more must be read.
    bool take(ReceiveMode mode, size_t size, const char **data, size_t *len) noexcept;

    core::OwnedResource resource_;
    core::Owner *owner_;
    Settings settings_;
    ngx_connection_t *c_ = nullptr;
    ngx_peer_connection_t peer_{};
    ngx_sockaddr_t sockaddr_{};
    socklen_t socklen_ = 0;
    api::resolver::Resolution resolution_;
    // The name a new connection resolves (empty: sockaddr_ is the address) and its port.
    std::string host_;
    int port_ = 0;
    // bind(): the local address of the next connects.
    ngx_addr_t local_{};
    ngx_sockaddr_t local_sockaddr_{};
    char local_name_[NGX_SOCKADDR_STRLEN] = {};
    char name_data_[NGX_SOCKADDR_STRLEN + 8] = {};
    ngx_str_t name_{};
    core::Thread *reader_ = nullptr;
    core::Thread *writer_ = nullptr;  // also the one connecting
    bool connecting_ = false;
    bool eof_ = false;
    // A failure a wait ended with, reported by the next receive / send.
    const char *read_error_ = nullptr;
    const char *write_error_ = nullptr;
    // A send that failed or timed out may have left part of its data unsent.
    bool send_broken_ = false;
    std::string in_;
    size_t in_pos_ = 0;
    // receiveuntil's progress over in_ (from in_pos_) while its reader waits for more.
    struct Scan {
        uint64_t pattern = 0;
        size_t limit = 0;
        size_t pos = 0;
        size_t matched = 0;
    } scan_;
    // Each failure keeps its own text: the reader's and the writer's outlive the call.
    ErrText err_text_ = {};
    ErrText read_err_text_ = {};
    ErrText write_err_text_ = {};
    // The pool the connection counts against (nullptr: none), its key, the next
    // connect's options.
    Pool *pool_ = nullptr;
    Pool *turn_pool_ = nullptr;  // whose turn the connect waits for
    std::string pool_key_;
    std::string pool_name_;
    long pool_size_option_ = 0;
    long backlog_option_ = -1;
    int reused_ = 0;
};

const char *TcpSocket::errno_text(ngx_err_t e, ErrText &text) noexcept {
    u_char *end = ngx_strerror(e, reinterpret_cast<u_char *>(text), sizeof(text) - 1);
    *end = '\0';
    // OpenResty's messages are nginx's strerror, in lower case first ("connection refused").
    text[0] = static_cast<char>(ngx_tolower(text[0]));
    return text;
}

void TcpSocket::log_timeout(const char *what) noexcept {
    if (!settings_.log_errors || owner_ == nullptr) return;
    if (connecting_) {
        ngx_log_error(NGX_LOG_ERR, owner_->log(), 0, "lua tcp socket connect timed out, when connecting to %V",
                      &name_);
    } else {
        ngx_log_error(NGX_LOG_ERR, owner_->log(), 0, "lua tcp socket %s timed out", what);
    }
}

bool TcpSocket::wait_for(ngx_event_t *ev, core::Thread &thread, ngx_msec_t timeout, bool reading) noexcept {
    if ((reading ? ngx_handle_read_event(ev, 0) : ngx_handle_write_event(ev, 0)) != NGX_OK) return false;
    ngx_add_timer(ev, timeout);
    if (reading) {
        reader_ = &thread;
        thread.wait.start_io(cancel_read, this);
    } else {
        writer_ = &thread;
        thread.wait.start_io(cancel_write, this);
    }
    return true;
}

void TcpSocket::cancel_read(void *data) noexcept {
    auto *self = static_cast<TcpSocket *>(data);
    self->reader_ = nullptr;
    if (self->c_ != nullptr && self->c_->read->timer_set) ngx_del_timer(self->c_->read);
}

void TcpSocket::cancel_write(void *data) noexcept {
    auto *self = static_cast<TcpSocket *>(data);
    self->writer_ = nullptr;
    if (self->resolution_.pending()) {
        self->resolution_.cancel();
        self->connecting_ = false;
        self->leave_pool();
    }
    if (self->c_ == nullptr) return;
    if (self->c_->write->timer_set) ngx_del_timer(self->c_->write);
    // A connect that nobody waits for any more cannot be finished.
    if (self->connecting_) {
        self->close_connection();
        self->connecting_ = false;
    }
}

// The wait for the pool's turn ended without the connect coming back for it.
void TcpSocket::leave_turn(core::Thread &thread, void *data) noexcept {
    auto *self = static_cast<TcpSocket *>(data);
    Pool *pool = self->turn_pool_;
    self->turn_pool_ = nullptr;
    self->writer_ = nullptr;
    self->connecting_ = false;
    if (pool != nullptr) pool->left(thread);
}

void TcpSocket::on_read(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    auto *self = static_cast<TcpSocket *>(c->data);
    // With level-triggered event methods a ready socket nobody reads must not be
    // reported again and again: this takes it out of the set until a read waits.
    if (self->reader_ == nullptr) {
        (void)ngx_handle_read_event(ev, 0);
        return;
    }
    if (ev->timedout) {
        ev->timedout = 0;
        self->read_error_ = timeout_text;
        self->log_timeout("read");
    } else if (ev->timer_set) {
        ngx_del_timer(ev);
    }
    core::Thread *thread = self->reader_;
    self->reader_ = nullptr;
    thread->wait.complete(NGX_OK, nullptr);
}

void TcpSocket::on_write(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    auto *self = static_cast<TcpSocket *>(c->data);
    if (self->writer_ == nullptr) {
        (void)ngx_handle_write_event(ev, 0);
        return;
    }
    core::Thread *thread = self->writer_;
    ngx_int_t rc = NGX_OK;
    const char *error = nullptr;
    if (ev->timedout) {
        ev->timedout = 0;
        if (self->connecting_) {
            rc = NGX_ERROR;
            error = timeout_text;
        } else {
            self->write_error_ = timeout_text;
            self->send_broken_ = true;
        }
        self->log_timeout(self->connecting_ ? "connect" : "write");
    } else {
        if (ev->timer_set) ngx_del_timer(ev);
        if (self->connecting_) {
            int so_error = 0;
            socklen_t len = sizeof(so_error);
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == -1) so_error = ngx_socket_errno;
            if (so_error != 0) {
                rc = NGX_ERROR;
                error = errno_text(so_error, self->err_text_);
            }
        }
    }
    self->writer_ = nullptr;
    if (self->connecting_) {
        self->connecting_ = false;
        if (rc != NGX_OK) self->close_connection();
    }
    thread->wait.complete(rc, error);
}

int TcpSocket::connect(core::Thread &thread, std::string_view host, int port, const char **err) noexcept {
    if (owner_ == nullptr) {
        *err = "closed";
        return NGX_ERROR;
    }
    if (&thread.owner != owner_) {
        *err = "bad request";
        return NGX_ERROR;
    }
    if (connecting_ || reader_ != nullptr || writer_ != nullptr) {
        *err = connecting_ ? "socket busy connecting" : reader_ != nullptr ? "socket busy reading" : "socket busy writing";
        return NGX_ERROR;
    }
    shut();  // connect on a connected socket starts afresh, as OpenResty's does
    // The options apply to this connect only, whatever its outcome.
    const std::string pool_name = std::move(pool_name_);
    pool_name_.clear();
    const long size = pool_size_option_ > 0 ? pool_size_option_
                      : backlog_option_ >= 0 ? static_cast<long>(settings_.pool_size)
                                             : 0;
    const long backlog = backlog_option_;
    pool_size_option_ = 0;
    backlog_option_ = -1;
    socklen_ = 0;
    sockaddr_ = {};
    core::address::Parsed parsed;
    if (const char *why = core::address::parse_peer(host, port, parsed)) {
        snprintf(err_text_, sizeof(err_text_), "failed to parse host name \"%.*s\": %s",
                 static_cast<int>(std::min<size_t>(host.size(), 64)), host.data(), why);
        *err = err_text_;
        return NGX_ERROR;
    }
    // A name is resolved only when a new connection is opened: a pooled one needs none.
    const bool is_name = parsed.kind == core::address::Parsed::Kind::name;
    try {
        host_.assign(is_name ? host : std::string_view{});
        if (!pool_name.empty()) {
            pool_key_.assign(pool_name);
        } else {
            pool_key_.assign(host);
            if (port >= 0) pool_key_.append(":").append(std::to_string(port));
        }
    } catch (...) {
        *err = "no memory";
        return NGX_ERROR;
    }
    port_ = port;
    if (is_name) {
        name_.len = std::min(host.size(), sizeof(name_data_));
        std::memcpy(name_data_, host.data(), name_.len);
        name_.data = reinterpret_cast<u_char *>(name_data_);
    } else {
        std::memcpy(&sockaddr_, &parsed.sockaddr, parsed.socklen);
        socklen_ = parsed.socklen;
        set_peer_name();
    }

    // The pool lookup comes before any new connection, as in OpenResty.
    Pool *pool = Pool::find(pool_key_);
    if (pool == nullptr && size > 0) {
        pool = Pool::create(pool_key_, static_cast<size_t>(size), backlog);
        if (pool == nullptr) {
            *err = "no memory";
            return NGX_ERROR;
        }
    }
    if (pool == nullptr) return open_connection(thread, err);
    return join_pool(thread, false, pool, err);
}

void TcpSocket::on_resolved(void *data, const char *err) noexcept {
    auto *self = static_cast<TcpSocket *>(data);
    core::Thread *thread = self->writer_;
    if (err == nullptr && self->connect_peer(&err) == NGX_AGAIN) return;
    if (err != nullptr) self->leave_pool();
    self->writer_ = nullptr;
    self->connecting_ = false;
    thread->wait.complete(err != nullptr ? NGX_ERROR : NGX_OK, err);
}

int TcpSocket::join_pool(core::Thread &thread, bool granted, Pool *pool, const char **err) noexcept {
    Pool::Idle idle;
    switch (pool->claim(granted, idle)) {
    case Pool::Turn::reuse:
        pool_ = pool;
        reused_ = idle.reused + 1;
        adopt(idle.c);
        return NGX_OK;
    case Pool::Turn::open:
        pool_ = pool;
        return open_connection(thread, err);
    case Pool::Turn::queue:
        turn_pool_ = pool;
        connecting_ = true;
        writer_ = &thread;
        thread.wait.start_queued(this, leave_turn, settings_.connect_timeout);
        pool->enqueue(thread);
        return NGX_BUSY;
    case Pool::Turn::full: break;
    }
    *err = "too many waiting connect operations";
    return NGX_ERROR;
}

int TcpSocket::connect_turn(core::Thread &thread, const char **err) noexcept {
    Pool *pool = turn_pool_;
    if (pool == nullptr || writer_ != &thread || !thread.wait.granted()) {
        if (settings_.log_errors && owner_ != nullptr) {
            ngx_log_error(NGX_LOG_ERR, owner_->log(), 0,
                          "lua tcp socket queued connect timed out, when trying to connect to %V", &name_);
        }
        *err = timeout_text;
        return NGX_ERROR;
    }
    turn_pool_ = nullptr;
    writer_ = nullptr;
    connecting_ = false;
    return join_pool(thread, true, pool, err);
}

int TcpSocket::open_connection(core::Thread &thread, const char **err) noexcept {
    int rc = host_.empty() ? NGX_OK
                           : resolution_.start(settings_.resolver, settings_.resolver_timeout, host_, port_,
                                               &sockaddr_, &socklen_, on_resolved, this, err);
    if (rc == NGX_OK) rc = connect_peer(err);
    if (rc == NGX_ERROR) leave_pool();
    if (rc != NGX_AGAIN) return rc;
    // The wait covers the name's resolution, then the connect.
    connecting_ = true;
    writer_ = &thread;
    thread.wait.start_io(cancel_write, this);
    return NGX_AGAIN;
}

int TcpSocket::connect_peer(const char **err) noexcept {
    set_peer_name();
    peer_ = {};
    peer_.sockaddr = &sockaddr_.sockaddr;
    peer_.socklen = socklen_;
    peer_.name = &name_;
    peer_.get = ngx_event_get_peer;
    peer_.log = owner_->log();
    peer_.log_error = NGX_ERROR_ERR;
    peer_.type = SOCK_STREAM;
    peer_.local = local_.sockaddr != nullptr ? &local_ : nullptr;
    ngx_set_socket_errno(0);
    ngx_int_t rc = ngx_event_connect_peer(&peer_);
    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_err_t e = ngx_socket_errno;
        if (peer_.connection != nullptr) {
            ngx_close_connection(peer_.connection);
            peer_.connection = nullptr;
        }
        *err = rc != NGX_BUSY && e != 0 ? errno_text(e, err_text_) : "failed to connect";
        return NGX_ERROR;
    }
    adopt(peer_.connection);
    if (rc == NGX_OK) return NGX_OK;
    ngx_add_timer(c_->write, settings_.connect_timeout);
    return NGX_AGAIN;
}

int TcpSocket::bind(core::Thread &thread, std::string_view address, const char **err) noexcept {
    if (owner_ == nullptr) {
        *err = "closed";
        return NGX_ERROR;
    }
    if (&thread.owner != owner_) {
        *err = "bad request";
        return NGX_ERROR;
    }
    core::address::Parsed parsed;
    if (!core::address::parse_ip(address, parsed)) {
        *err = "bad address";
        return NGX_ERROR;
    }
    std::memcpy(&local_sockaddr_, &parsed.sockaddr, parsed.socklen);
    local_.sockaddr = &local_sockaddr_.sockaddr;
    local_.socklen = parsed.socklen;
    local_.name.len = std::min(address.size(), sizeof(local_name_));
    std::memcpy(local_name_, address.data(), local_.name.len);
    local_.name.data = reinterpret_cast<u_char *>(local_name_);
    return NGX_OK;
}

int TcpSocket::option(int option, int *value, bool set, u_char *err, size_t *errlen) noexcept {
    if (owner_ == nullptr || c_ == nullptr || connecting_) return core::set_ffi_error(err, errlen, "closed");
    int level = SOL_SOCKET;
    int name;
    switch (static_cast<Option>(option)) {
    case Option::keepalive: name = SO_KEEPALIVE; break;
    case Option::reuseaddr: name = SO_REUSEADDR; break;
    case Option::tcp_nodelay:
        level = IPPROTO_TCP;
        name = TCP_NODELAY;
        break;
    case Option::sndbuf: name = SO_SNDBUF; break;
    case Option::rcvbuf: name = SO_RCVBUF; break;
    default: return core::set_ffi_error(err, errlen, "unsupported option");
    }
    socklen_t len = sizeof(*value);
    if ((set ? setsockopt(c_->fd, level, name, value, len) : getsockopt(c_->fd, level, name, value, &len)) == -1) {
        return core::set_ffi_error(err, errlen, errno_text(ngx_socket_errno, err_text_));
    }
    return NGX_OK;
}

int TcpSocket::send(core::Thread &thread, std::string_view data, size_t *sent, const char **err) noexcept {
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (writer_ != nullptr) {
        *err = "socket busy writing";
        return NGX_ERROR;
    }
    if (write_error_ != nullptr) {
        *err = write_error_;
        if (write_error_ == timeout_text) write_error_ = nullptr;
        return NGX_ERROR;
    }
    *sent = 0;
    if (data.empty()) return NGX_OK;
    ssize_t n = c_->send(c_, reinterpret_cast<u_char *>(const_cast<char *>(data.data())), data.size());
    if (n > 0) {
        *sent = static_cast<size_t>(n);
        return NGX_OK;
    }
    if (n == NGX_AGAIN) {
        if (wait_for(c_->write, thread, settings_.send_timeout, false)) return NGX_AGAIN;
        *err = "failed to wait for the socket";
        return NGX_ERROR;
    }
    write_error_ = errno_text(ngx_socket_errno, write_err_text_);
    send_broken_ = true;
    *err = write_error_;
    return NGX_ERROR;
}

bool TcpSocket::take(ReceiveMode mode, size_t size, const char **data, size_t *len) noexcept {
    char *begin = in_.data() + in_pos_;
    size_t have = in_.size() - in_pos_;
    size_t n;
    switch (mode) {
    case ReceiveMode::line: {
        auto *nl = static_cast<char *>(std::memchr(begin, '\n', have));
        if (nl == nullptr) return false;
        // Every CR of the line is dropped, as OpenResty's "*l" does.
        char *out = begin;
        for (char *p = begin; p < nl; ++p) {
            if (*p != '\r') *out++ = *p;
        }
        *data = begin;
        *len = static_cast<size_t>(out - begin);
        in_pos_ += static_cast<size_t>(nl - begin) + 1;
        return true;
    }
    case ReceiveMode::all:
        if (!eof_) return false;
        n = have;
        break;
    case ReceiveMode::size:
        if (have < size) return false;
        n = size;
        break;
    case ReceiveMode::any:
        if (have == 0) return false;
        n = std::min(have, size);
        break;
    default: return false;
    }
    *data = begin;
    *len = n;
    in_pos_ += n;
    return true;
}

int TcpSocket::fill(core::Thread &thread) noexcept {
    const size_t old = in_.size();
    try {
        in_.resize(old + settings_.buffer_size);
    } catch (...) {
        in_.resize(old);
        read_error_ = "no memory";
        return NGX_DECLINED;
    }
    ssize_t n = c_->recv(c_, reinterpret_cast<u_char *>(in_.data() + old), settings_.buffer_size);
    in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n > 0) return NGX_OK;
    if (n == 0) {
        eof_ = true;
    } else if (n == NGX_AGAIN) {
        if (wait_for(c_->read, thread, settings_.read_timeout, true)) return NGX_AGAIN;
        read_error_ = "failed to wait for the socket";
    } else {
        read_error_ = errno_text(ngx_socket_errno, read_err_text_);
    }
    return NGX_DECLINED;
}

int TcpSocket::receive(core::Thread &thread, ReceiveMode mode, size_t size, const char **data, size_t *len,
                       const char **err) noexcept {
    *len = 0;
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (reader_ != nullptr) {
        *err = "socket busy reading";
        return NGX_ERROR;
    }
    compact();
    scan_ = {};
    for (;;) {
        if (take(mode, size, data, len)) return NGX_OK;
        if (eof_ || read_error_ != nullptr) {
            // What was read is the partial data of the failure.
            *data = in_.data() + in_pos_;
            *len = in_.size() - in_pos_;
            in_pos_ = in_.size();
            *err = read_error_ != nullptr ? read_error_ : "closed";
            // A timeout leaves the socket usable; a closed or broken one stays so.
            if (read_error_ == timeout_text) read_error_ = nullptr;
            return NGX_ERROR;
        }
        if (fill(thread) == NGX_AGAIN) return NGX_AGAIN;
    }
}

int TcpSocket::receive_until(core::Thread &thread, const UntilPattern &pattern, size_t size, const char **data,
                             size_t *len, const char **err) noexcept {
    *len = 0;
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (reader_ != nullptr) {
        *err = "socket busy reading";
        return NGX_ERROR;
    }
    compact();
    // A scan left by a wait goes on; any other read since started afresh.
    if (scan_.pattern != pattern.id || scan_.limit != size) scan_ = {pattern.id, size, 0, 0};
    for (;;) {
        const std::string_view unread(in_.data(), in_.size());
        *data = in_.data();
        switch (pattern.matcher.scan(unread, scan_.pos, scan_.matched, size)) {
        case core::StreamPattern::Stop::found:
            *len = pattern.inclusive ? scan_.pos : scan_.pos - scan_.matched;
            in_pos_ = scan_.pos;
            scan_ = {};
            return NGX_DONE;
        case core::StreamPattern::Stop::limit:
            // The pattern's first bytes, if they came, stay for the next call.
            *len = scan_.pos - scan_.matched;
            in_pos_ = *len;
            scan_ = {};
            return NGX_OK;
        case core::StreamPattern::Stop::more: break;
        }
        if (eof_ || read_error_ != nullptr) {
            *err = read_error_ != nullptr ? read_error_ : "closed";
            // After a timeout the start of the pattern may still complete: it stays.
            *len = read_error_ == timeout_text ? scan_.pos - scan_.matched : in_.size();
            in_pos_ = *len;
            scan_ = {};
            if (read_error_ == timeout_text) read_error_ = nullptr;
            return NGX_ERROR;
        }
        if (fill(thread) == NGX_AGAIN) return NGX_AGAIN;
    }
}

int TcpSocket::set_keepalive(core::Thread &thread, long timeout_ms, long size, const char **err) noexcept {
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (reader_ != nullptr || writer_ != nullptr) {
        *err = reader_ != nullptr ? "socket busy reading" : "socket busy writing";
        return NGX_ERROR;
    }
    if (in_pos_ < in_.size()) {
        *err = "unread data in buffer";
        return NGX_ERROR;
    }
    if (eof_ || read_error_ != nullptr || write_error_ != nullptr || send_broken_) {
        *err = "invalid connection";
        return NGX_ERROR;
    }
    if (ngx_exiting || ngx_terminate) {
        shut();
        return NGX_OK;
    }
    if (c_->read->ready) {
        // Data or an end the peer sent that nobody read: the next user would get it.
        char byte;
        const ssize_t n = recv(c_->fd, &byte, 1, MSG_PEEK);
        if (n != -1 || ngx_socket_errno != NGX_EAGAIN) {
            shut();
            *err = "connection in dubious state";
            return NGX_ERROR;
        }
    }
    if (ngx_handle_read_event(c_->read, 0) != NGX_OK) {
        *err = "failed to handle read event";
        return NGX_ERROR;
    }
    Pool *pool = pool_ != nullptr ? pool_ : Pool::find(pool_key_);
    if (pool == nullptr) {
        pool = Pool::create(pool_key_, size > 0 ? static_cast<size_t>(size) : settings_.pool_size, -1);
    }
    const ngx_msec_t timeout = timeout_ms < 0 ? settings_.keepalive_timeout : static_cast<ngx_msec_t>(timeout_ms);
    if (pool == nullptr || !pool->keep(c_, reused_, timeout, pool == pool_)) {
        *err = "no memory";
        return NGX_ERROR;
    }
    // The connection is the pool's now.
    c_ = nullptr;
    pool_ = nullptr;
    shut();
    return NGX_OK;
}

int TcpSocket::close(core::Thread &thread, const char **err) noexcept {
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (reader_ != nullptr || writer_ != nullptr) {
        *err = reader_ != nullptr ? "socket busy reading" : "socket busy writing";
        return NGX_ERROR;
    }
    shut();
    return NGX_OK;
}

TcpSocket *create(core::Thread &thread, const Settings &settings) noexcept {
    return new (std::nothrow) TcpSocket(thread.owner, settings);
}

void destroy(TcpSocket *socket) noexcept {
    delete socket;
}

int connect(TcpSocket &socket, core::Thread &thread, std::string_view host, int port, const char **err) noexcept {
    return socket.connect(thread, host, port, err);
}

int send(TcpSocket &socket, core::Thread &thread, std::string_view data, size_t *sent, const char **err) noexcept {
    return socket.send(thread, data, sent, err);
}

int receive(TcpSocket &socket, core::Thread &thread, ReceiveMode mode, size_t size, const char **data,
            size_t *len, const char **err) noexcept {
    return socket.receive(thread, mode, size, data, len, err);
}

int connect_turn(TcpSocket &socket, core::Thread &thread, const char **err) noexcept {
    return socket.connect_turn(thread, err);
}

int set_pool_options(TcpSocket &socket, std::string_view name, long size, long backlog) noexcept {
    return socket.set_pool_options(name, size, backlog);
}

int set_keepalive(TcpSocket &socket, core::Thread &thread, long timeout_ms, long size, const char **err) noexcept {
    return socket.set_keepalive(thread, timeout_ms, size, err);
}

int reused_times(TcpSocket &socket, core::Thread &thread, int *times, const char **err) noexcept {
    return socket.reused_times(thread, times, err);
}

UntilPattern *create_pattern(std::string_view pattern, bool inclusive) noexcept {
    try {
        return new UntilPattern(pattern, inclusive);
    } catch (...) {
        return nullptr;
    }
}

void destroy_pattern(UntilPattern *pattern) noexcept {
    delete pattern;
}

int receive_until(TcpSocket &socket, core::Thread &thread, const UntilPattern &pattern, size_t size,
                  const char **data, size_t *len, const char **err) noexcept {
    return socket.receive_until(thread, pattern, size, data, len, err);
}

int close(TcpSocket &socket, core::Thread &thread, const char **err) noexcept {
    return socket.close(thread, err);
}

int check(TcpSocket &socket, core::Thread &thread, const char **err) noexcept {
    return socket.usable(thread, err);
}

void set_timeouts(TcpSocket &socket, long connect_ms, long send_ms, long read_ms) noexcept {
    socket.set_timeouts(connect_ms, send_ms, read_ms);
}

int bind(TcpSocket &socket, core::Thread &thread, std::string_view address, const char **err) noexcept {
    return socket.bind(thread, address, err);
}

int set_option(TcpSocket &socket, int option, int value, u_char *err, size_t *errlen) noexcept {
    return socket.option(option, &value, true, err, errlen);
}

int get_option(TcpSocket &socket, int option, int *value, u_char *err, size_t *errlen) noexcept {
    return socket.option(option, value, false, err, errlen);
}

}  // namespace nlf::api::socket
