// header_filter_by_lua* and body_filter_by_lua*: output filters at the top of
// nginx's chains that run Lua synchronously on the response header and each chunk.
#include "http/filters.hpp"
#include "http/module.hpp"
#include "http/output.hpp"
#include "http/request_ctx.hpp"

#include "core/context.hpp"
#include "core/guard.hpp"

namespace nlf::http {

namespace {

ngx_http_output_header_filter_pt next_header_filter;
ngx_http_output_body_filter_pt next_body_filter;

const auto filter_tag = reinterpret_cast<ngx_buf_tag_t>(&next_body_filter);

ngx_int_t header_filter(ngx_http_request_t *r) {
    LocConf *llcf = loc_conf(r);
    // ngx.arg[1] needs the body in memory, not in a file nginx would sendfile.
    if (llcf->body_filter.is_set()) r->filter_need_in_memory = 1;
    if (!llcf->header_filter.is_set()) return next_header_filter(r);
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_ERROR;
    core::ScopedThread thread(*main_conf(r)->vm);
    SyncStatus status = run_sync(*ctx, llcf->header_filter, core::ctx_header_filter, thread.co());
    if (status == SyncStatus::failed || (status == SyncStatus::exited && ctx->exit_code == NGX_ERROR)) {
        return NGX_ERROR;
    }
    return next_header_filter(r);
}

bool has_last(const ngx_chain_t *in) {
    for (; in; in = in->next) {
        if (in->buf->last_buf || in->buf->last_in_chain) return true;
    }
    return false;
}

bool has_flush(const ngx_chain_t *in) {
    for (; in; in = in->next) {
        if (in->buf->flush) return true;
    }
    return false;
}

// Marks the chain's buffers as sent, so that whoever made them can reuse them.
void consume(ngx_chain_t *in) {
    for (; in; in = in->next) {
        in->buf->pos = in->buf->last;
        if (in->buf->in_file) in->buf->file_pos = in->buf->file_last;
    }
}

// The chain that replaces `in` once the Lua code set ngx.arg[1] or ngx.arg[2]: one
// buffer with the new data (or the old, copied), carrying the end-of-stream or
// flush flags the original had or the code asked for.
ngx_chain_t *replacement(RequestCtx &ctx, ngx_chain_t *in) {
    ngx_http_request_t *r = ctx.r;
    ngx_chain_t *out = ctx.filter_out;
    if (!ctx.filter_body_set) {
        size_t size = 0;
        for (ngx_chain_t *cl = in; cl; cl = cl->next) {
            if (ngx_buf_in_memory(cl->buf)) size += cl->buf->last - cl->buf->pos;
        }
        out = get_buffer(r->pool, &ctx.filter_free, size, filter_tag);
        if (out == nullptr) return nullptr;
        for (ngx_chain_t *cl = in; cl; cl = cl->next) {
            if (ngx_buf_in_memory(cl->buf)) {
                out->buf->last = ngx_cpymem(out->buf->last, cl->buf->pos, cl->buf->last - cl->buf->pos);
            }
        }
    }
    consume(in);
    ngx_buf_t *b = out->buf;
    if (ctx.filter_eof) {
        if (r == r->main) {
            b->last_buf = 1;
        } else {
            b->last_in_chain = 1;
        }
    }
    b->flush = has_flush(in);
    if (b->pos == b->last) {
        // An empty buffer must not claim to hold data, and must be a special one
        // (flush, last or sync), or the write filter rejects it.
        b->temporary = 0;
        b->sync = !b->last_buf && !b->last_in_chain && !b->flush;
    }
    out->next = nullptr;
    return out;
}

ngx_int_t body_filter(ngx_http_request_t *r, ngx_chain_t *in) {
    LocConf *llcf = loc_conf(r);
    if (!llcf->body_filter.is_set() || in == nullptr) return next_body_filter(r, in);
    RequestCtx *ctx = RequestCtx::get_or_create(r);
    if (ctx == nullptr) return NGX_ERROR;
    if (ctx->filter_done) {
        // The Lua code ended the body early: what comes after is dropped.
        consume(in);
        return NGX_OK;
    }
    const bool input_eof = has_last(in);
    ctx->filter_in = in;
    ctx->filter_eof = input_eof;
    ctx->filter_body_set = false;
    ctx->filter_out = nullptr;
    SyncStatus status;
    {
        core::ScopedThread thread(*main_conf(r)->vm);
        status = run_sync(*ctx, llcf->body_filter, core::ctx_body_filter, thread.co());
    }
    ctx->filter_in = nullptr;
    if (status == SyncStatus::failed) return NGX_ERROR;

    const bool changed = ctx->filter_body_set || ctx->filter_eof != input_eof;
    ngx_chain_t *out = in;
    if (changed) {
        out = replacement(*ctx, in);
        if (out == nullptr) return NGX_ERROR;
        ctx->filter_done = ctx->filter_eof && !input_eof;
    }
    ngx_int_t rc = next_body_filter(r, out);
    if (changed) ngx_chain_update_chains(r->pool, &ctx->filter_free, &ctx->filter_busy, &out, filter_tag);
    return rc;
}

}  // namespace

ngx_int_t install_filters(ngx_conf_t *cf) {
    auto *mcf = static_cast<MainConf *>(ngx_http_conf_get_module_main_conf(cf, ngx_http_lua_ffi_module));
    // Below the Lua filters: a captured subrequest's header_filter_by_lua and
    // body_filter_by_lua run, and the capture keeps what they made.
    install_capture_filters();
    if (mcf->phases_used & (core::ctx_header_filter | core::ctx_body_filter)) {
        next_header_filter = ngx_http_top_header_filter;
        ngx_http_top_header_filter = header_filter;
    }
    if (mcf->phases_used & core::ctx_body_filter) {
        next_body_filter = ngx_http_top_body_filter;
        ngx_http_top_body_filter = body_filter;
    }
    return NGX_OK;
}

// ngx.arg in body_filter_by_lua (api/param.cpp reads and writes through these).
const ngx_chain_t *filter_input(const RequestCtx &ctx) noexcept {
    return ctx.filter_in;
}

bool set_filter_body(RequestCtx &ctx, std::string_view data) noexcept {
    ngx_chain_t *cl = ctx.filter_out ? ctx.filter_out
                                     : get_buffer(ctx.r->pool, &ctx.filter_free, data.size(), filter_tag);
    if (cl == nullptr) return false;
    ngx_buf_t *b = cl->buf;
    if (static_cast<size_t>(b->end - b->start) < data.size()) {
        // A second, larger assignment in the same call: take a buffer that fits.
        cl = get_buffer(ctx.r->pool, &ctx.filter_free, data.size(), filter_tag);
        if (cl == nullptr) return false;
        b = cl->buf;
    }
    b->pos = b->last = b->start;
    if (!data.empty()) b->last = ngx_cpymem(b->start, data.data(), data.size());
    ctx.filter_out = cl;
    ctx.filter_body_set = true;
    return true;
}

}  // namespace nlf::http
