// ngx.socket.tcp: the http side of the cosocket engine (api/socket.hpp): which thread
// calls, and the lua_socket_* settings of the request's location.
#include "http/api/api.hpp"
#include "http/module.hpp"

#include "api/socket.hpp"

namespace nlf::http {

namespace {

namespace sock = api::socket;

// A timer has no location: its sockets resolve names with the http{} block's resolver.
const ngx_http_core_loc_conf_t *http_level_core_conf() noexcept {
    auto *ctx = reinterpret_cast<ngx_http_conf_ctx_t *>(ngx_get_conf(ngx_cycle->conf_ctx, ngx_http_module));
    return ctx != nullptr ? static_cast<ngx_http_core_loc_conf_t *>(ctx->loc_conf[ngx_http_core_module.ctx_index])
                          : nullptr;
}

sock::Settings settings_of(ngx_http_request_t *r) noexcept {
    sock::Settings s;
    const auto *clcf = r != nullptr
                           ? static_cast<ngx_http_core_loc_conf_t *>(ngx_http_get_module_loc_conf(r, ngx_http_core_module))
                           : http_level_core_conf();
    if (clcf != nullptr) {
        s.resolver = clcf->resolver;
        // The http{} level itself is never merged: an unset timeout keeps the default.
        if (clcf->resolver_timeout != NGX_CONF_UNSET_MSEC) s.resolver_timeout = clcf->resolver_timeout;
    }
    if (r == nullptr) {
        s.buffer_size = static_cast<size_t>(ngx_pagesize);
        return s;
    }
    const LocConf *lcf = loc_conf(r);
    s.connect_timeout = lcf->socket_connect_timeout;
    s.send_timeout = lcf->socket_send_timeout;
    s.read_timeout = lcf->socket_read_timeout;
    s.buffer_size = lcf->socket_buffer_size;
    s.log_errors = lcf->socket_log_errors != 0;
    s.pool_size = static_cast<size_t>(lcf->socket_pool_size);
    s.keepalive_timeout = lcf->socket_keepalive_timeout;
    return s;
}

}  // namespace

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;
using api::socket::TcpSocket;

// A new socket of the calling thread's owner, or nullptr with *status (no request,
// bad context, NGX_ERROR: out of memory).
NLF_API TcpSocket *nlf_ffi_socket_tcp_new(ngx_http_request_t *r, int *status) noexcept {
    core::Thread *thread = waiting_thread(r, *status);
    if (thread == nullptr) return nullptr;
    TcpSocket *socket = api::socket::create(*thread, settings_of(r));
    if (socket == nullptr) *status = NGX_ERROR;
    return socket;
}

NLF_API void nlf_ffi_socket_tcp_free(TcpSocket *socket) noexcept {
    api::socket::destroy(socket);
}

NLF_API int nlf_ffi_socket_tcp_connect(ngx_http_request_t *r, TcpSocket *socket, const char *host, size_t len,
                                       int port, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::connect(*socket, *thread, {host, len}, port, err);
}

// After connect returned NGX_BUSY and the thread waited for the pool's turn.
NLF_API int nlf_ffi_socket_tcp_connect_turn(ngx_http_request_t *r, TcpSocket *socket, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::connect_turn(*socket, *thread, err);
}

NLF_API int nlf_ffi_socket_tcp_pool_options(TcpSocket *socket, const char *name, size_t len, long size,
                                            long backlog) noexcept {
    return api::socket::set_pool_options(*socket, {name, len}, size, backlog);
}

NLF_API int nlf_ffi_socket_tcp_setkeepalive(ngx_http_request_t *r, TcpSocket *socket, long timeout_ms, long size,
                                            const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::set_keepalive(*socket, *thread, timeout_ms, size, err);
}

NLF_API int nlf_ffi_socket_tcp_reused(ngx_http_request_t *r, TcpSocket *socket, int *times,
                                      const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::reused_times(*socket, *thread, times, err);
}

NLF_API api::socket::UntilPattern *nlf_ffi_socket_tcp_pattern_new(const char *pattern, size_t len,
                                                                  int inclusive) noexcept {
    return api::socket::create_pattern({pattern, len}, inclusive != 0);
}

NLF_API void nlf_ffi_socket_tcp_pattern_free(api::socket::UntilPattern *pattern) noexcept {
    api::socket::destroy_pattern(pattern);
}

NLF_API int nlf_ffi_socket_tcp_receiveuntil(ngx_http_request_t *r, TcpSocket *socket,
                                            const api::socket::UntilPattern *pattern, size_t size,
                                            const char **data, size_t *len, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::receive_until(*socket, *thread, *pattern, size, data, len, err);
}

NLF_API int nlf_ffi_socket_tcp_send(ngx_http_request_t *r, TcpSocket *socket, const char *data, size_t len,
                                    size_t *sent, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::send(*socket, *thread, {data, len}, sent, err);
}

NLF_API int nlf_ffi_socket_tcp_receive(ngx_http_request_t *r, TcpSocket *socket, int mode, size_t size,
                                       const char **data, size_t *len, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::receive(*socket, *thread, static_cast<api::socket::ReceiveMode>(mode), size, data, len,
                                err);
}

NLF_API int nlf_ffi_socket_tcp_close(ngx_http_request_t *r, TcpSocket *socket, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::close(*socket, *thread, err);
}

NLF_API int nlf_ffi_socket_tcp_check(ngx_http_request_t *r, TcpSocket *socket, const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::check(*socket, *thread, err);
}

NLF_API void nlf_ffi_socket_tcp_settimeouts(TcpSocket *socket, long connect_ms, long send_ms,
                                            long read_ms) noexcept {
    api::socket::set_timeouts(*socket, connect_ms, send_ms, read_ms);
}

NLF_API int nlf_ffi_socket_tcp_bind(ngx_http_request_t *r, TcpSocket *socket, const char *addr, size_t len,
                                    const char **err) noexcept {
    int status;
    core::Thread *thread = waiting_thread(r, status);
    if (thread == nullptr) return status;
    return api::socket::bind(*socket, *thread, {addr, len}, err);
}

// lua-resty-core's setoption / getoption (ABI.md).
NLF_API int ngx_http_lua_ffi_socket_tcp_setoption(TcpSocket *socket, int opt, int val, u_char *err,
                                                  size_t *errlen) noexcept {
    return api::socket::set_option(*socket, opt, val, err, errlen);
}

NLF_API int ngx_http_lua_ffi_socket_tcp_getoption(TcpSocket *socket, int opt, int *val, u_char *err,
                                                  size_t *errlen) noexcept {
    return api::socket::get_option(*socket, opt, val, err, errlen);
}
