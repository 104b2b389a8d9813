#pragma once
// The TCP / unix-domain stream cosocket engine. It knows no subsystem: the caller
// (src/http/api/socket.cpp) gives it the running thread and the settings of where
// the socket is made (timeouts, buffer size, whether to log errors).
#include "ngx.hpp"

#include "core/scheduler.hpp"

#include <string_view>

namespace nlf::api::socket {

struct Settings {
    ngx_msec_t connect_timeout = 60000;
    ngx_msec_t send_timeout = 60000;
    ngx_msec_t read_timeout = 60000;
    size_t buffer_size = 4096;
    bool log_errors = true;
    // Host names: nullptr gets `no resolver defined to resolve "name"`.
    ngx_resolver_t *resolver = nullptr;
    ngx_msec_t resolver_timeout = 30000;
};

class TcpSocket;

// What receive() reads up to: a line ("*l"), everything until the peer closes ("*a"),
// `size` bytes, or whatever is there (receiveany, at most `size`).
enum class ReceiveMode : int { line = 0, all = 1, size = 2, any = 3 };

// A socket of `thread`'s owner, closed when the owner goes; nullptr when out of memory.
TcpSocket *create(core::Thread &thread, const Settings &settings) noexcept;
// Lua let go of the socket.
void destroy(TcpSocket *socket) noexcept;

// Each returns NGX_OK, NGX_ERROR with *err, or NGX_AGAIN after starting a wait of
// `thread` (the Lua side yields, then calls again: receive and send, or fetches the
// wait's result: connect).
int connect(TcpSocket &socket, core::Thread &thread, std::string_view host, int port, const char **err) noexcept;
int send(TcpSocket &socket, core::Thread &thread, std::string_view data, size_t *sent, const char **err) noexcept;
// *data/*len: the bytes read (also the partial data with NGX_ERROR), valid until the
// next call on the socket.
int receive(TcpSocket &socket, core::Thread &thread, ReceiveMode mode, size_t size, const char **data,
            size_t *len, const char **err) noexcept;
int close(TcpSocket &socket, core::Thread &thread, const char **err) noexcept;
// NGX_OK when the socket is connected and usable from `thread`.
int check(TcpSocket &socket, core::Thread &thread, const char **err) noexcept;
void set_timeouts(TcpSocket &socket, long connect_ms, long send_ms, long read_ms) noexcept;
// The local address of the next connects: an IP literal. NGX_ERROR with *err.
int bind(TcpSocket &socket, core::Thread &thread, std::string_view address, const char **err) noexcept;

// setoption / getoption, numbered as lua-resty-core numbers them.
enum class Option : int { keepalive = 1, reuseaddr = 2, tcp_nodelay = 3, sndbuf = 4, rcvbuf = 5 };
// NGX_OK, or NGX_ERROR with the reason in err (at most *errlen bytes; *errlen its length).
int set_option(TcpSocket &socket, int option, int value, u_char *err, size_t *errlen) noexcept;
int get_option(TcpSocket &socket, int option, int *value, u_char *err, size_t *errlen) noexcept;

}  // namespace nlf::api::socket
