#pragma once
// Host names of cosockets (TCP connect, UDP setpeername) through nginx's `resolver`:
// one name at a time, never blocking the worker. The socket that owns a Resolution
// starts it, waits, and is called back once with the address or the error text.
#include "ngx.hpp"

#include <string>
#include <string_view>

namespace nlf::api::resolver {

class Resolution {
public:
    // The outcome of a resolution that did not finish inside start(): the address was
    // written where start() was told, or `err` (valid until the next start) says why.
    using Done = void (*)(void *data, const char *err) noexcept;

    Resolution() = default;
    ~Resolution() { cancel(); }
    Resolution(const Resolution &) = delete;
    Resolution &operator=(const Resolution &) = delete;

    // Resolves `name` with `resolver` (nullptr: none configured) within `timeout`, to
    // one of its addresses (at random, as OpenResty picks) with `port`, written to
    // *out / *outlen. NGX_OK: done at once (a cached name); NGX_ERROR with *err;
    // NGX_AGAIN: `done(data, ...)` follows, unless cancel() comes first.
    int start(ngx_resolver_t *resolver, ngx_msec_t timeout, std::string_view name, int port, ngx_sockaddr_t *out,
              socklen_t *outlen, Done done, void *data, const char **err) noexcept;
    // Drops a pending resolution (done is not called); idempotent.
    void cancel() noexcept;
    bool pending() const noexcept { return ctx_ != nullptr || answer_.posted; }

    // The worker exits: nginx frees its resolvers with the cycle, taking every pending
    // context with them, so nothing may be handed back to them after this.
    static void worker_exiting() noexcept;

private:
    static void on_resolved(ngx_resolver_ctx_t *ctx);
    static void on_answer(ngx_event_t *ev);
    // Fills the address or err_text_ from a finished context; false on failure.
    bool take_result(ngx_resolver_ctx_t *ctx) noexcept;
    const char *failure(const char *fmt, ...) noexcept;

    ngx_resolver_ctx_t *ctx_ = nullptr;
    std::string name_;
    int port_ = 0;
    ngx_sockaddr_t *out_ = nullptr;
    socklen_t *outlen_ = nullptr;
    Done done_ = nullptr;
    void *data_ = nullptr;
    bool starting_ = false;  // inside ngx_resolve_name, which may answer at once
    // nginx calls the handlers of every context waiting on a name in one loop, and a
    // context freed meanwhile (a sibling cancelled by the Lua code that the answer
    // resumed) would be called after it is freed: the answer reaches `done` from here.
    ngx_event_t answer_{};
    bool answered_ = false;
    bool ok_ = false;
    char err_text_[256] = {};
};

}  // namespace nlf::api::resolver
