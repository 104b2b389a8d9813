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
    size_t pool_size = 30;               // lua_socket_pool_size
    ngx_msec_t keepalive_timeout = 60000;  // lua_socket_keepalive_timeout
    // Host names: nullptr gets `no resolver defined to resolve "name"`.
    ngx_resolver_t *resolver = nullptr;
    ngx_msec_t resolver_timeout = 30000;
};

class TcpSocket;
class UntilPattern;

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
// connect also returns NGX_BUSY: the pool's connections are all in use and the connect
// waits in its backlog; after the wait the Lua side calls connect_turn.
int connect(TcpSocket &socket, core::Thread &thread, std::string_view host, int port, const char **err) noexcept;
int connect_turn(TcpSocket &socket, core::Thread &thread, const char **err) noexcept;
// The connect options `pool` (empty: the default "host:port" / "unix:path" key),
// `pool_size` and `backlog` (0 / -1: not given) for the next connect.
int set_pool_options(TcpSocket &socket, std::string_view name, long size, long backlog) noexcept;
// Puts the connection into its pool for `timeout_ms` (< 0: lua_socket_keepalive_timeout;
// 0: no limit); `size` (<= 0: lua_socket_pool_size) is the size of a pool made now.
int set_keepalive(TcpSocket &socket, core::Thread &thread, long timeout_ms, long size, const char **err) noexcept;
int reused_times(TcpSocket &socket, core::Thread &thread, int *times, const char **err) noexcept;
int send(TcpSocket &socket, core::Thread &thread, std::string_view data, size_t *sent, const char **err) noexcept;
// *data/*len: the bytes read (also the partial data with NGX_ERROR), valid until the
// next call on the socket.
int receive(TcpSocket &socket, core::Thread &thread, ReceiveMode mode, size_t size, const char **data,
            size_t *len, const char **err) noexcept;
// receiveuntil's iterator: NGX_DONE when the pattern was found (*data/*len: what came
// before it, with it when inclusive), NGX_OK for a chunk of at least `size` bytes
// (0: no size) before the pattern, else as receive.
UntilPattern *create_pattern(std::string_view pattern, bool inclusive) noexcept;
void destroy_pattern(UntilPattern *pattern) noexcept;
int receive_until(TcpSocket &socket, core::Thread &thread, const UntilPattern &pattern, size_t size,
                  const char **data, size_t *len, const char **err) noexcept;
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
