#include "http/output.hpp"

#include "http/module.hpp"

#include <cstring>

namespace nlf::http {

namespace {

const auto output_tag = reinterpret_cast<ngx_buf_tag_t>(&ngx_http_lua_ffi_module);
constexpr size_t min_buffer_size = 64;
static_assert(sizeof(ngx_chain_t) % alignof(ngx_buf_t) == 0 && (sizeof(ngx_chain_t) + sizeof(ngx_buf_t)) % alignof(ngx_buf_t) == 0);

}  // namespace

ngx_chain_t *get_buffer(ngx_pool_t *pool, ngx_chain_t **free, size_t size, ngx_buf_tag_t tag) noexcept {
    ngx_chain_t *cl = *free;
    ngx_buf_t *b;
    if (cl != nullptr) {
        *free = cl->next;
        cl->next = nullptr;
        b = cl->buf;
    } else {
        // The link, the buffer and its memory in one allocation: most responses need
        // one buffer, and three allocations were a tenth of a short handler's cost.
        const size_t capacity = std::max(size, min_buffer_size);
        auto *mem = static_cast<u_char *>(ngx_palloc(pool, sizeof(ngx_chain_t) + sizeof(ngx_buf_t) + capacity));
        if (mem == nullptr) return nullptr;
        cl = reinterpret_cast<ngx_chain_t *>(mem);
        b = reinterpret_cast<ngx_buf_t *>(mem + sizeof(ngx_chain_t));
        ngx_memzero(b, sizeof(ngx_buf_t));
        b->start = mem + sizeof(ngx_chain_t) + sizeof(ngx_buf_t);
        b->end = b->start + capacity;
        cl->buf = b;
        cl->next = nullptr;
    }
    if (static_cast<size_t>(b->end - b->start) < size) {
        const size_t capacity = std::max(size, min_buffer_size);
        b->start = static_cast<u_char *>(ngx_palloc(pool, capacity));
        if (b->start == nullptr) return nullptr;
        b->end = b->start + capacity;
    }
    b->pos = b->last = b->start;
    b->temporary = 1;
    b->tag = tag;
    b->flush = 0;
    b->sync = 0;
    b->last_buf = 0;
    b->last_in_chain = 0;
    return cl;
}

bool apply_default_content_type(const RequestCtx &ctx) noexcept {
    ngx_http_request_t *r = ctx.r;
    if (r->headers_out.content_type.len || r->header_sent || ctx.mime_set) return true;
    if (!loc_conf(r)->use_default_type || r->headers_out.status == NGX_HTTP_NOT_MODIFIED) return true;
    return ngx_http_set_content_type(r) == NGX_OK;
}

ngx_int_t send_header_if_needed(RequestCtx &ctx) noexcept {
    ngx_http_request_t *r = ctx.r;
    if (r->header_sent) return NGX_OK;
    if (r->headers_out.status == 0) r->headers_out.status = NGX_HTTP_OK;
    if (!apply_default_content_type(ctx)) return NGX_ERROR;
    return ngx_http_send_header(r);
}

ngx_int_t send_body(RequestCtx &ctx, std::string_view data, bool newline) noexcept {
    ngx_http_request_t *r = ctx.r;
    ngx_int_t rc = send_header_if_needed(ctx);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) return rc;
    const size_t size = data.size() + (newline ? 1 : 0);
    if (size == 0) return NGX_OK;
    ngx_chain_t *cl = get_buffer(r->pool, &ctx.free_bufs, size, output_tag);
    if (cl == nullptr) return NGX_ERROR;
    ngx_buf_t *b = cl->buf;
    if (!data.empty()) b->last = ngx_cpymem(b->last, data.data(), data.size());
    if (newline) *b->last++ = '\n';
    if (ctx.held_last != nullptr) {
        ctx.held_last->next = cl;
    } else {
        ctx.held_out = cl;
    }
    ctx.held_last = cl;
    ctx.held_size += size;
    // A Lua body filter sees each call's output on its own, as in OpenResty.
    const auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    if (ctx.held_size < clcf->postpone_output && !loc_conf(r)->body_filter.is_set()) return NGX_OK;
    return send_held(ctx, 0);
}

ngx_int_t send_held(RequestCtx &ctx, ngx_uint_t flags) noexcept {
    ngx_http_request_t *r = ctx.r;
    ngx_chain_t *out = ctx.held_out;
    if (out == nullptr) return flags != 0 ? ngx_http_send_special(r, flags) : NGX_OK;
    ngx_buf_t *b = ctx.held_last->buf;
    if (flags & NGX_HTTP_FLUSH) b->flush = 1;
    if (flags & NGX_HTTP_LAST) {
        // What ngx_http_send_special marks on a buffer of its own.
        if (r == r->main && !r->post_action) {
            b->last_buf = 1;
        } else {
            b->sync = 1;
            b->last_in_chain = 1;
        }
    }
    ctx.held_out = ctx.held_last = nullptr;
    ctx.held_size = 0;
    ngx_int_t rc = ngx_http_output_filter(r, out);
    ngx_chain_update_chains(r->pool, &ctx.free_bufs, &ctx.busy_bufs, &out, output_tag);
    return rc;
}

bool output_runs_lua(const RequestCtx &ctx) noexcept {
    const LocConf *llcf = loc_conf(ctx.r);
    return llcf->body_filter.is_set() || (!ctx.r->header_sent && llcf->header_filter.is_set());
}

ngx_int_t send_eof(RequestCtx &ctx) noexcept {
    ngx_int_t rc = send_header_if_needed(ctx);
    if (rc == NGX_ERROR || rc > NGX_OK) return rc;
    ctx.eof = true;
    // A body the handler never read would otherwise be taken for the next request on
    // a keep-alive connection (nginx's own handlers discard it too; a no-op once the
    // body is read or being read). Most requests have none: skip the call for them.
    const auto &in = ctx.r->headers_in;
    if ((in.content_length_n > 0 || in.chunked) && ngx_http_discard_request_body(ctx.r) != NGX_OK)
        return NGX_ERROR;
    return send_held(ctx, NGX_HTTP_LAST);
}

}  // namespace nlf::http
