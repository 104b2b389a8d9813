// The TCP / unix-domain stream cosocket engine (see socket.hpp). A socket belongs to
// the owner (request, timer run) whose thread made it; a reader and a writer may wait
// on it at the same time (full duplex), each with its own timeout. Event handlers only
// wake the waiting thread: receive and send then run again in the thread itself, so
// every outcome (data, partial data, timeout, close) is worked out in one place.
#include "api/socket.hpp"

#include "api/resolver.hpp"
#include "core/ffi_error.hpp"
#include "core/pure/peer_address.hpp"

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
}

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
    static void on_resolved(void *data, const char *err) noexcept;
    // Connects to sockaddr_: NGX_OK, NGX_AGAIN (the connect timer runs), NGX_ERROR.
    int connect_peer(const char **err) noexcept;

    // Drops the connection; a waiting thread's wait is dropped with it.
    void shut() noexcept {
        if (reader_ != nullptr) reader_->wait.cancel();
        if (writer_ != nullptr) writer_->wait.cancel();
        resolution_.cancel();
        if (c_ != nullptr) {
            ngx_close_connection(c_);
            c_ = nullptr;
        }
        connecting_ = false;
        in_.clear();
        in_.shrink_to_fit();
        in_pos_ = 0;
        eof_ = false;
        read_error_ = write_error_ = nullptr;
    }
    bool wait_for(ngx_event_t *ev, core::Thread &thread, ngx_msec_t timeout, bool reading) noexcept;
    const char *errno_text(ngx_err_t e) noexcept;
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
    std::string in_;
    size_t in_pos_ = 0;
    char err_text_[128] = {};
};

const char *TcpSocket::errno_text(ngx_err_t e) noexcept {
    u_char *end = ngx_strerror(e, reinterpret_cast<u_char *>(err_text_), sizeof(err_text_) - 1);
    *end = '\0';
    // OpenResty's messages are nginx's strerror, in lower case first ("connection refused").
    err_text_[0] = static_cast<char>(ngx_tolower(err_text_[0]));
    return err_text_;
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
    }
    if (self->c_ == nullptr) return;
    if (self->c_->write->timer_set) ngx_del_timer(self->c_->write);
    // A connect that nobody waits for any more cannot be finished.
    if (self->connecting_) {
        ngx_close_connection(self->c_);
        self->c_ = nullptr;
        self->connecting_ = false;
    }
}

void TcpSocket::on_read(ngx_event_t *ev) {
    auto *c = static_cast<ngx_connection_t *>(ev->data);
    auto *self = static_cast<TcpSocket *>(c->data);
    if (self->reader_ == nullptr) return;
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
    if (self->writer_ == nullptr) return;
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
                error = self->errno_text(so_error);
            }
        }
    }
    self->writer_ = nullptr;
    if (self->connecting_) {
        self->connecting_ = false;
        if (rc != NGX_OK) {
            ngx_close_connection(self->c_);
            self->c_ = nullptr;
        }
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
    core::address::Parsed parsed;
    if (const char *why = core::address::parse_peer(host, port, parsed)) {
        snprintf(err_text_, sizeof(err_text_), "failed to parse host name \"%.*s\": %s",
                 static_cast<int>(std::min<size_t>(host.size(), 64)), host.data(), why);
        *err = err_text_;
        return NGX_ERROR;
    }
    int rc;
    if (parsed.kind == core::address::Parsed::Kind::name) {
        rc = resolution_.start(settings_.resolver, settings_.resolver_timeout, host, port, &sockaddr_, &socklen_,
                               on_resolved, this, err);
    } else {
        std::memcpy(&sockaddr_, &parsed.sockaddr, parsed.socklen);
        socklen_ = parsed.socklen;
        rc = NGX_OK;
    }
    if (rc == NGX_OK) rc = connect_peer(err);
    if (rc != NGX_AGAIN) return rc;
    // The wait covers the name's resolution, then the connect.
    connecting_ = true;
    writer_ = &thread;
    thread.wait.start_io(cancel_write, this);
    return NGX_AGAIN;
}

void TcpSocket::on_resolved(void *data, const char *err) noexcept {
    auto *self = static_cast<TcpSocket *>(data);
    core::Thread *thread = self->writer_;
    if (err == nullptr && self->connect_peer(&err) == NGX_AGAIN) return;
    self->writer_ = nullptr;
    self->connecting_ = false;
    thread->wait.complete(err != nullptr ? NGX_ERROR : NGX_OK, err);
}

int TcpSocket::connect_peer(const char **err) noexcept {
    name_.len = ngx_sock_ntop(&sockaddr_.sockaddr, socklen_, reinterpret_cast<u_char *>(name_data_),
                              sizeof(name_data_), 1);
    name_.data = reinterpret_cast<u_char *>(name_data_);

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
        *err = rc != NGX_BUSY && e != 0 ? errno_text(e) : "failed to connect";
        return NGX_ERROR;
    }
    c_ = peer_.connection;
    c_->data = this;
    c_->read->handler = on_read;
    c_->write->handler = on_write;
    c_->log = owner_->log();
    c_->read->log = c_->log;
    c_->write->log = c_->log;
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
        return core::set_ffi_error(err, errlen, errno_text(ngx_socket_errno));
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
    write_error_ = errno_text(ngx_socket_errno);
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

int TcpSocket::receive(core::Thread &thread, ReceiveMode mode, size_t size, const char **data, size_t *len,
                       const char **err) noexcept {
    *len = 0;
    if (usable(thread, err) != NGX_OK) return NGX_ERROR;
    if (reader_ != nullptr) {
        *err = "socket busy reading";
        return NGX_ERROR;
    }
    if (in_pos_ > 0) {
        in_.erase(0, in_pos_);
        in_pos_ = 0;
    }
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
        size_t old = in_.size();
        try {
            in_.resize(old + settings_.buffer_size);
        } catch (...) {
            *err = "no memory";
            return NGX_ERROR;
        }
        ssize_t n = c_->recv(c_, reinterpret_cast<u_char *>(in_.data() + old), settings_.buffer_size);
        in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
        if (n > 0) continue;
        if (n == 0) {
            eof_ = true;
        } else if (n == NGX_AGAIN) {
            if (wait_for(c_->read, thread, settings_.read_timeout, true)) return NGX_AGAIN;
            read_error_ = "failed to wait for the socket";
        } else {
            read_error_ = errno_text(ngx_socket_errno);
        }
    }
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
