#include "api/resolver.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace nlf::api::resolver {

namespace {
bool resolvers_gone = false;
}

void Resolution::worker_exiting() noexcept {
    resolvers_gone = true;
}

const char *Resolution::failure(const char *fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(err_text_, sizeof(err_text_), fmt, args);
    va_end(args);
    return err_text_;
}

int Resolution::start(ngx_resolver_t *resolver, ngx_msec_t timeout, std::string_view name, int port,
                      ngx_sockaddr_t *out, socklen_t *outlen, Done done, void *data, const char **err) noexcept {
    cancel();
    const int shown = static_cast<int>(std::min<size_t>(name.size(), 128));
    // nginx's NGX_NO_RESOLVER: a resolver without servers (http{} always has one).
    const auto no_resolver = reinterpret_cast<ngx_resolver_ctx_t *>(-1);
    ngx_resolver_ctx_t *ctx = resolver != nullptr ? ngx_resolve_start(resolver, nullptr) : no_resolver;
    if (ctx == no_resolver) {
        *err = failure("no resolver defined to resolve \"%.*s\"", shown, name.data());
        return NGX_ERROR;
    }
    if (ctx == nullptr) {
        *err = "failed to start the resolver";
        return NGX_ERROR;
    }
    try {
        name_.assign(name);
    } catch (...) {
        ngx_resolve_name_done(ctx);
        *err = "no memory";
        return NGX_ERROR;
    }
    ctx->name.data = reinterpret_cast<u_char *>(name_.data());
    ctx->name.len = name_.size();
    ctx->handler = on_resolved;
    ctx->data = this;
    ctx->timeout = timeout;
    ctx_ = ctx;
    port_ = port;
    out_ = out;
    outlen_ = outlen;
    done_ = done;
    data_ = data;
    answered_ = false;
    answer_.handler = on_answer;
    answer_.data = this;
    answer_.log = ngx_cycle->log;
    starting_ = true;
    const ngx_int_t rc = ngx_resolve_name(ctx);
    starting_ = false;
    if (rc != NGX_OK) {
        // ngx_resolve_name freed the context.
        ctx_ = nullptr;
        *err = "failed to resolve";
        return NGX_ERROR;
    }
    if (!answered_) return NGX_AGAIN;
    if (ok_) return NGX_OK;
    *err = err_text_;
    return NGX_ERROR;
}

void Resolution::cancel() noexcept {
    if (answer_.posted) {
        ngx_delete_posted_event(&answer_);  // a macro of several statements
    }
    if (ctx_ == nullptr) return;
    if (!resolvers_gone) ngx_resolve_name_done(ctx_);
    ctx_ = nullptr;
}

bool Resolution::take_result(ngx_resolver_ctx_t *ctx) noexcept {
    const int shown = static_cast<int>(std::min<size_t>(name_.size(), 128));
    // An answer without addresses (the name has records of other types) is what
    // nginx's own upstreams treat as not found.
    const ngx_int_t state = ctx->state != 0 ? ctx->state : ctx->naddrs == 0 ? NGX_RESOLVE_NXDOMAIN : 0;
    if (state != 0) {
        failure("%.*s could not be resolved (%d: %s)", shown, name_.data(), static_cast<int>(state),
                ngx_resolver_strerror(state));
        return false;
    }
    const ngx_resolver_addr_t &picked = ctx->addrs[ngx_random() % ctx->naddrs];
    if (picked.socklen > sizeof(ngx_sockaddr_t)) {
        failure("%.*s could not be resolved (bad address)", shown, name_.data());
        return false;
    }
    std::memcpy(out_, picked.sockaddr, picked.socklen);
    *outlen_ = picked.socklen;
    ngx_inet_set_port(&out_->sockaddr, static_cast<in_port_t>(port_));
    return true;
}

void Resolution::on_resolved(ngx_resolver_ctx_t *ctx) {
    auto *self = static_cast<Resolution *>(ctx->data);
    self->ok_ = self->take_result(ctx);
    ngx_resolve_name_done(ctx);
    self->ctx_ = nullptr;
    if (self->starting_) {
        self->answered_ = true;
        return;
    }
    ngx_post_event(&self->answer_, &ngx_posted_events);
}

void Resolution::on_answer(ngx_event_t *ev) {
    auto *self = static_cast<Resolution *>(ev->data);
    self->done_(self->data_, self->ok_ ? nullptr : self->err_text_);
}

}  // namespace nlf::api::resolver
