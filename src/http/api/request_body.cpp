// ngx.req.read_body, discard_body, get_body_data, get_body_file, and the body state
// get_post_args works from. lua_need_request_body's read is in phases.cpp.
#include "http/api/api.hpp"
#include "http/module.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace nlf::http {

namespace {

// nginx's read handler while the body arrives. When nginx gives up on the body (413
// for a chunked one found over client_max_body_size, 400 for a malformed one) it
// answers the request itself and leaves the request to whoever holds it: a waiting
// rewrite/access handler (ngx.req.read_body or lua_need_request_body) does, and lets
// it end now. Whether the request is still there when nginx's handler returns is told
// by body_read_in_progress: a finished read clears it (its handler may have finished
// the request), and so does the release of the context when the request goes (a
// timeout, an abort, or content's request ending with the 413).
void body_read_event(ngx_http_request_t *r) {
    RequestCtx *ctx = RequestCtx::get(r);
    RequestCtx::body_read_in_progress = ctx;
    ctx->nginx_body_handler(r);
    if (RequestCtx::body_read_in_progress != ctx) return;
    RequestCtx::body_read_in_progress = nullptr;
    if (r->err_status < NGX_HTTP_SPECIAL_RESPONSE) return;  // still reading
    ctx->reading_body = false;
    ctx->body_before_handler = false;
    ctx->release();
    // A waiting content handler gave its hold back when it returned NGX_DONE: nginx's
    // answer ended the request. A rewrite/access one holds it still.
    if (ctx->context != core::ctx_content) ngx_http_finalize_request(r, NGX_DONE);
}

}  // namespace

void watch_body_read(RequestCtx &ctx) noexcept {
    ctx.nginx_body_handler = ctx.r->read_event_handler;
    ctx.r->read_event_handler = body_read_event;
}

void stop_watching_body_read(RequestCtx &ctx) noexcept {
    if (ctx.r->read_event_handler == body_read_event) ctx.r->read_event_handler = ctx.nginx_body_handler;
}

void end_body_read(RequestCtx &ctx) noexcept {
    if (RequestCtx::body_read_in_progress == &ctx) RequestCtx::body_read_in_progress = nullptr;
}

void prepare_body_read(ngx_http_request_t *r) noexcept {
    r->request_body_in_single_buf = 1;
    r->request_body_in_persistent_file = 1;
    r->request_body_in_clean_file = 1;
    // A body in a file by configuration is expected there: no "buffered to a temporary
    // file" warning for it.
    if (r->request_body_in_file_only) r->request_body_file_log_level = 0;
}

namespace {

// ngx.req.read_body's read is done. Done at once, the call returns by itself;
// otherwise the thread that waits goes on now.
void body_read_for_lua(ngx_http_request_t *r) {
    RequestCtx *ctx = RequestCtx::get(r);
    if (ctx == nullptr || !ctx->reading_body) return;
    end_body_read(*ctx);
    ctx->reading_body = false;
    core::Thread *thread = ctx->body_waiter;
    if (thread == nullptr) return;
    ctx->body_waiter = nullptr;
    watch_client_abort(r);
    thread->wait.complete(NGX_OK, nullptr);
}

// The reading thread's wait is dropped (request end, the thread killed): nginx reads
// on, and the next ngx.req.read_body waits for it.
void cancel_body_wait(void *data) noexcept {
    static_cast<RequestCtx *>(data)->body_waiter = nullptr;
}

// Closes (and, when it was to be removed with the request, removes) the file of the
// body now rather than when the request's pool goes.
void drop_body_file(ngx_http_request_t *r) noexcept {
    ngx_temp_file_t *tf = r->request_body->temp_file;
    r->request_body->temp_file = nullptr;
    if (tf == nullptr || tf->file.fd == NGX_INVALID_FILE) return;
    for (ngx_pool_cleanup_t *c = r->pool->cleanup; c != nullptr; c = c->next) {
        if (c->handler != ngx_pool_cleanup_file && c->handler != ngx_pool_delete_file) continue;
        auto *cf = static_cast<ngx_pool_cleanup_file_t *>(c->data);
        if (cf->fd != tf->file.fd) continue;
        c->handler(cf);
        c->handler = nullptr;
        return;
    }
}

// The checks every body setter makes: NGX_OK, or NGX_ERROR with OpenResty's message.
int check_body_replaceable(ngx_http_request_t *r, const char **err) noexcept {
    if (r->discard_body) {
        *err = "request body already discarded asynchronously";
        return NGX_ERROR;
    }
    if (r->request_body == nullptr) {
        *err = "request body not read yet";
        return NGX_ERROR;
    }
    return NGX_OK;
}

// Appends `chain` to the file of the body being built (see init_body), created in
// client_body_temp_path on first use and removed with the request. `chain` nullptr just
// creates it.
bool write_body_file(ngx_http_request_t *r, ngx_chain_t *chain) noexcept {
    ngx_http_request_body_t *rb = r->request_body;
    if (rb->temp_file == nullptr) {
        auto *tf = static_cast<ngx_temp_file_t *>(ngx_pcalloc(r->pool, sizeof(ngx_temp_file_t)));
        if (tf == nullptr) return false;
        auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(ngx_http_get_module_loc_conf(r, ngx_http_core_module));
        tf->file.fd = NGX_INVALID_FILE;
        tf->file.log = r->connection->log;
        tf->path = clcf->client_body_temp_path;
        tf->pool = r->pool;
        tf->warn = const_cast<char *>("a client request body is buffered to a temporary file");
        tf->log_level = r->request_body_file_log_level;
        tf->persistent = 1;
        tf->clean = 1;
        if (r->request_body_file_group_access) tf->access = 0660;
        rb->temp_file = tf;
        if (chain == nullptr) {
            return ngx_create_temp_file(&tf->file, tf->path, tf->pool, tf->persistent, tf->clean, tf->access) ==
                   NGX_OK;
        }
    }
    const ssize_t n = ngx_write_chain_to_temp_file(rb->temp_file, chain);
    if (n == NGX_ERROR) return false;
    rb->temp_file->offset += n;
    return true;
}

// What is kept of the body, for get_body_data, get_body_file and get_post_args.
enum class BodyState : int { in_memory = 0, discarded = 1, not_read = 2, in_file = 3 };

BodyState body_state(const ngx_http_request_t *r) noexcept {
    if (r->discard_body) return BodyState::discarded;
    if (r->request_body == nullptr) return BodyState::not_read;
    if (r->request_body->temp_file != nullptr) return BodyState::in_file;
    return BodyState::in_memory;
}

}  // namespace

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// Reads the whole body without blocking: NGX_OK when it is in (or there is none),
// NGX_AGAIN when the caller must yield (it is resumed once the body is in), NGX_DONE
// when the request ends with the status nginx gave (413 for a body over
// client_max_body_size, ...): the caller yields and the handler ends as ngx.exit.
NLF_API int nlf_ffi_req_read_body(ngx_http_request_t *r) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, output_contexts, status);
    if (ctx == nullptr) return status;
    core::Thread *thread = ctx->current();
    if (thread == nullptr) return kBadContext;
    if (ctx->body_waiter != nullptr) return NGX_BUSY;
    if (ctx->reading_body) {
        // A read that an earlier wait gave up on goes on: wait for it.
        thread->wait.start_io(cancel_body_wait, ctx);
        ctx->body_waiter = thread;
        return NGX_AGAIN;
    }
    prepare_body_read(r);
    ctx->reading_body = true;
    const ngx_int_t rc = ngx_http_read_client_request_body(r, body_read_for_lua);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        ctx->reading_body = false;
        ctx->end_handler(rc);
        return NGX_DONE;
    }
    // nginx holds the request while it reads; the waiting handler's own hold does now.
    r->main->count--;
    if (rc == NGX_AGAIN && ctx->reading_body) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "lua read body: waiting for the rest");
        watch_body_read(*ctx);
        thread->wait.start_io(cancel_body_wait, ctx);
        ctx->body_waiter = thread;
        return NGX_AGAIN;
    }
    ctx->reading_body = false;
    return rc == NGX_OK ? NGX_OK : NGX_ERROR;
}

NLF_API int nlf_ffi_req_discard_body(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    const ngx_int_t rc = ngx_http_discard_request_body(r);
    return rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE ? NGX_ERROR : NGX_OK;
}

// A BodyState.
NLF_API int nlf_ffi_req_body_state(ngx_http_request_t *r) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    return static_cast<int>(body_state(r));
}

// The size of the body kept in memory, or -1 when there is none there. *data points
// at it when it is one buffer; otherwise, with `copy` of at least that size, it is
// copied there and *data points at `copy`, else *data is nullptr.
NLF_API long nlf_ffi_req_body_data(ngx_http_request_t *r, const u_char **data, u_char *copy,
                                   size_t copy_size) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    *data = nullptr;
    if (body_state(r) != BodyState::in_memory || r->request_body->bufs == nullptr) return -1;
    const ngx_chain_t *first = r->request_body->bufs;
    size_t len = 0;
    for (const ngx_chain_t *cl = first; cl; cl = cl->next) {
        len += static_cast<size_t>(cl->buf->last - cl->buf->pos);
    }
    if (len == 0) return -1;
    if (first->next == nullptr) {
        *data = first->buf->pos;
    } else if (copy != nullptr && copy_size >= len) {
        u_char *p = copy;
        for (const ngx_chain_t *cl = first; cl; cl = cl->next) {
            const auto n = static_cast<size_t>(cl->buf->last - cl->buf->pos);
            if (n != 0) p = ngx_cpymem(p, cl->buf->pos, n);
        }
        *data = copy;
    }
    return static_cast<long>(len);
}

// The name of the temp file the body is in: NGX_OK, or NGX_DECLINED when it is not in one.
NLF_API int nlf_ffi_req_body_file(ngx_http_request_t *r, const u_char **name, size_t *len) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (body_state(r) != BodyState::in_file) return NGX_DECLINED;
    *name = r->request_body->temp_file->file.name.data;
    *len = r->request_body->temp_file->file.name.len;
    return NGX_OK;
}

// ngx.req.set_body_data: the body becomes a copy of `data` (none when empty), in
// memory, and Content-Length follows. NGX_ERROR with a message in *err when refused.
NLF_API int nlf_ffi_req_set_body_data(ngx_http_request_t *r, const u_char *data, size_t len,
                                      const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (check_body_replaceable(r, err) != NGX_OK) return NGX_ERROR;
    *err = "no memory";
    ngx_http_request_body_t *rb = r->request_body;
    drop_body_file(r);
    rb->bufs = nullptr;
    rb->buf = nullptr;
    if (len > 0) {
        ngx_buf_t *b = ngx_create_temp_buf(r->pool, len);
        ngx_chain_t *cl = ngx_alloc_chain_link(r->pool);
        if (b == nullptr || cl == nullptr) return NGX_ERROR;
        b->last = ngx_cpymem(b->pos, data, len);
        b->last_buf = 1;
        cl->buf = b;
        cl->next = nullptr;
        rb->bufs = cl;
        rb->buf = b;
    }
    return set_request_content_length(r, static_cast<off_t>(len)) ? NGX_OK : NGX_ERROR;
}

// ngx.req.set_body_file: the body becomes the file `name` (NUL-terminated), removed
// with the request when `auto_clean`; Content-Length follows. NGX_ERROR with a
// message in *err (in `errbuf` of `errbuf_size` bytes when it names the file).
NLF_API int nlf_ffi_req_set_body_file(ngx_http_request_t *r, const char *name, size_t len, int auto_clean,
                                      char *errbuf, size_t errbuf_size, const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (check_body_replaceable(r, err) != NGX_OK) return NGX_ERROR;
    *err = "no memory";
    auto *path = static_cast<u_char *>(ngx_pnalloc(r->pool, len + 1));
    if (path == nullptr) return NGX_ERROR;
    *ngx_cpymem(path, name, len) = '\0';
    ngx_fd_t fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    ngx_file_info_t fi;
    if (fd == NGX_INVALID_FILE || ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        const ngx_err_t e = ngx_errno;
        if (fd != NGX_INVALID_FILE) ngx_close_file(fd);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, e, "ngx.req.set_body_file: \"%s\"", path);
        std::snprintf(errbuf, errbuf_size, "%s \"%s\" failed", fd == NGX_INVALID_FILE ? ngx_open_file_n : ngx_fd_info_n,
                      path);
        *err = errbuf;
        return NGX_ERROR;
    }
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_pool_cleanup_file_t));
    auto *tf = static_cast<ngx_temp_file_t *>(ngx_pcalloc(r->pool, sizeof(ngx_temp_file_t)));
    auto *b = static_cast<ngx_buf_t *>(ngx_calloc_buf(r->pool));
    ngx_chain_t *cl = ngx_alloc_chain_link(r->pool);
    if (cln == nullptr || tf == nullptr || b == nullptr || cl == nullptr) {
        ngx_close_file(fd);
        return NGX_ERROR;
    }
    cln->handler = auto_clean ? ngx_pool_delete_file : ngx_pool_cleanup_file;
    auto *cf = static_cast<ngx_pool_cleanup_file_t *>(cln->data);
    cf->fd = fd;
    cf->name = path;
    cf->log = r->pool->log;
    ngx_http_request_body_t *rb = r->request_body;
    drop_body_file(r);
    tf->file.fd = fd;
    tf->file.name = {len, path};
    tf->file.log = r->connection->log;
    rb->temp_file = tf;
    const off_t size = ngx_file_size(&fi);
    b->in_file = 1;
    b->file = &tf->file;
    b->file_pos = 0;
    b->file_last = size;
    b->last_buf = 1;
    cl->buf = b;
    cl->next = nullptr;
    rb->bufs = size > 0 ? cl : nullptr;
    rb->buf = nullptr;
    return set_request_content_length(r, size) ? NGX_OK : NGX_ERROR;
}

// ngx.req.init_body: a new, empty body to build with append_body and finish_body, in a
// buffer of `size` bytes (client_body_buffer_size when negative; 0: straight to a
// file), going to a temp file when it fills.
NLF_API int nlf_ffi_req_init_body(ngx_http_request_t *r, long size, const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    if (check_body_replaceable(r, err) != NGX_OK) return NGX_ERROR;
    *err = "no memory";
    if (size < 0) {
        auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(ngx_http_get_module_loc_conf(r, ngx_http_core_module));
        size = static_cast<long>(clcf->client_body_buffer_size);
    }
    if (size == 0) r->request_body_in_file_only = 1;
    ngx_http_request_body_t *rb = r->request_body;
    drop_body_file(r);
    r->request_body_in_clean_file = 1;
    r->headers_in.content_length_n = 0;
    rb->buf = ngx_create_temp_buf(r->pool, static_cast<size_t>(size));
    rb->bufs = ngx_alloc_chain_link(r->pool);
    if (rb->buf == nullptr || rb->bufs == nullptr) return NGX_ERROR;
    rb->bufs->buf = rb->buf;
    rb->bufs->next = nullptr;
    return NGX_OK;
}

NLF_API int nlf_ffi_req_append_body(ngx_http_request_t *r, const u_char *data, size_t len, const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    ngx_http_request_body_t *rb = r->request_body;
    if (rb == nullptr || rb->buf == nullptr || rb->bufs == nullptr) {
        *err = "request_body not initialized";
        return NGX_ERROR;
    }
    *err = "fail to write file";
    if (r->request_body_in_file_only) {
        ngx_buf_t b{};
        b.start = b.pos = const_cast<u_char *>(data);
        b.last = b.end = const_cast<u_char *>(data) + len;
        b.temporary = 1;
        ngx_chain_t cl{&b, nullptr};
        if (!write_body_file(r, &cl)) return NGX_ERROR;
        r->headers_in.content_length_n += static_cast<off_t>(len);
        return NGX_OK;
    }
    while (len > 0) {
        if (rb->buf->last == rb->buf->end) {
            if (!write_body_file(r, rb->bufs)) return NGX_ERROR;
            rb->buf->pos = rb->buf->last = rb->buf->start;
        }
        const size_t n = std::min(len, static_cast<size_t>(rb->buf->end - rb->buf->last));
        rb->buf->last = ngx_cpymem(rb->buf->last, data, n);
        data += n;
        len -= n;
        r->headers_in.content_length_n += static_cast<off_t>(n);
    }
    return NGX_OK;
}

NLF_API int nlf_ffi_req_finish_body(ngx_http_request_t *r, const char **err) noexcept {
    int status;
    if (api_ctx(r, request_contexts, status) == nullptr) return status;
    ngx_http_request_body_t *rb = r->request_body;
    if (rb == nullptr || rb->buf == nullptr || rb->bufs == nullptr) {
        *err = "request_body not initialized";
        return NGX_ERROR;
    }
    *err = "no memory";
    if (rb->temp_file != nullptr) {
        // What the buffer still holds goes after what is in the file; the body is the file.
        if (rb->buf->last != rb->buf->pos && !write_body_file(r, rb->bufs)) {
            *err = "fail to write file";
            return NGX_ERROR;
        }
        auto *b = static_cast<ngx_buf_t *>(ngx_calloc_buf(r->pool));
        if (b == nullptr) return NGX_ERROR;
        b->in_file = 1;
        b->file = &rb->temp_file->file;
        b->file_pos = 0;
        b->file_last = rb->temp_file->offset;
        b->last_buf = 1;
        rb->bufs->buf = b;
        rb->bufs->next = nullptr;
        rb->buf = nullptr;
    }
    return set_request_content_length(r, r->headers_in.content_length_n) ? NGX_OK : NGX_ERROR;
}
