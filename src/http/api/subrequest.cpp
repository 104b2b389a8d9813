// ngx.location.capture and capture_multi: subrequests whose response the parent's
// thread gets as a table. One FFI call starts all the subrequests of a call (a Batch)
// and an io wait of the calling thread; each subrequest's header and body filters keep
// its response (a Capture) instead of sending it; nginx's post_subrequest handler
// records how it ended, and the last one to end posts an event that resumes the
// thread, outside nginx's finalization of the subrequest. The Lua side then fetches
// the results.
//
// The subrequests are nginx's "background" ones: not in the parent's postponed list,
// never the connection's active request, so that they do not hold back the parent's
// own output, and each gives its reference on the main request back when it ends.
// nginx cannot abort a running subrequest: a thread waiting on some may not be killed,
// and ngx.exit may only end the whole request then (api/exit.cpp).
#include "http/api/api.hpp"
#include "http/header_fields.hpp"
#include "http/module.hpp"

#include <cstring>

namespace nlf::http {

namespace {

// What the Lua side gives for one subrequest (nlf_capture_spec_t).
struct CaptureSpec {
    const u_char *uri;
    size_t uri_len;
    const u_char *args;  // the `args` option, encoded
    size_t args_len;
    const u_char *body;  // the `body` option, or null
    size_t body_len;
    const core::FfiPair *vars;
    int nvars;
    const core::FfiPair *headers;
    int nheaders;
    int method;
    int flags;
    int ctx_ref;  // the `ctx` option's slot in ngx_lua_ctx_tables, or LUA_NOREF
};

constexpr int share_all_vars = 1;
constexpr int copy_all_vars = 2;
constexpr int always_forward_body = 4;

struct Batch;

// One subrequest's response, kept in the main request's pool.
struct Capture {
    ngx_http_post_subrequest_t post;  // nginx's hook: data is this Capture
    Batch *batch;
    ngx_http_request_t *sr;
    u_char *body;
    size_t body_len;
    size_t body_cap;
    ngx_uint_t status;
    bool seen_last;  // the body's last buffer came: not truncated
    bool ended;      // post_subrequest ran
};

struct Batch {
    RequestCtx *ctx;       // the parent's
    core::Thread *waiter;  // null once the wait is gone
    ngx_event_t resume;    // posted when the last subrequest has ended
    ngx_uint_t pending;
    ngx_uint_t count;
    Capture *captures;
};

ngx_int_t capture_ended(ngx_http_request_t *sr, void *data, ngx_int_t rc);

// The Capture of a subrequest of ngx.location.capture*, or nullptr (the main request,
// other modules' subrequests).
Capture *capture_of(ngx_http_request_t *r) noexcept {
    if (r == r->main) return nullptr;
    ngx_http_post_subrequest_t *ps = r->post_subrequest;
    if (ps == nullptr || ps->handler != capture_ended) return nullptr;
    return static_cast<Capture *>(ps->data);
}

// Room for `more` bytes of body. Blocks this large are nginx's "large" allocations,
// which ngx_pfree gives back at once.
bool reserve_body(ngx_pool_t *pool, Capture &c, size_t more) noexcept {
    const size_t needed = c.body_len + more;
    if (needed <= c.body_cap) return true;
    size_t cap = c.body_cap ? c.body_cap * 2 : static_cast<size_t>(ngx_pagesize);
    if (cap < needed) cap = needed;
    auto *grown = static_cast<u_char *>(ngx_palloc(pool, cap));
    if (grown == nullptr) return false;
    if (c.body_len) std::memcpy(grown, c.body, c.body_len);
    if (c.body) ngx_pfree(pool, c.body);
    c.body = grown;
    c.body_cap = cap;
    return true;
}

ngx_http_output_header_filter_pt next_header_filter;
ngx_http_output_body_filter_pt next_body_filter;

ngx_int_t capture_header_filter(ngx_http_request_t *r) {
    Capture *c = capture_of(r);
    if (c == nullptr) return next_header_filter(r);
    // The body reaches us in memory, and nothing goes further down the chain.
    r->filter_need_in_memory = 1;
    r->header_sent = 1;
    if (r->method == NGX_HTTP_HEAD) r->header_only = 1;
    const off_t length = r->headers_out.content_length_n;
    if (!r->header_only && length > 0 && length <= NGX_MAX_SIZE_T_VALUE / 2) {
        // A failure here shows as a failure to keep the first buffer.
        (void) reserve_body(r->pool, *c, static_cast<size_t>(length));
    }
    return NGX_OK;
}

ngx_int_t capture_body_filter(ngx_http_request_t *r, ngx_chain_t *in) {
    Capture *c = capture_of(r);
    if (c == nullptr) return next_body_filter(r, in);
    for (ngx_chain_t *cl = in; cl; cl = cl->next) {
        ngx_buf_t *b = cl->buf;
        if (ngx_buf_in_memory(b) && b->last > b->pos) {
            const auto size = static_cast<size_t>(b->last - b->pos);
            if (!reserve_body(r->pool, *c, size)) return NGX_ERROR;
            std::memcpy(c->body + c->body_len, b->pos, size);
            c->body_len += size;
        }
        if (b->last_buf || b->last_in_chain) c->seen_last = true;
        b->pos = b->last;
        if (b->in_file) b->file_pos = b->file_last;
    }
    return NGX_OK;
}

void resume_waiter(ngx_event_t *ev) {
    auto *batch = static_cast<Batch *>(ev->data);
    core::Thread *waiter = batch->waiter;
    if (waiter == nullptr) return;
    batch->waiter = nullptr;
    batch->ctx->capture_waits--;
    waiter->wait.complete(NGX_OK, nullptr);
}

// The waiting thread is gone (killed with its run, request end): the subrequests run
// on and end unseen.
void drop_waiter(void *data) noexcept {
    auto *batch = static_cast<Batch *>(data);
    if (batch->waiter == nullptr) return;
    batch->waiter = nullptr;
    batch->ctx->capture_waits--;
    if (batch->resume.posted) {
        ngx_delete_posted_event(&batch->resume);
    }
}

// nginx's post_subrequest handler, called by each finalization of the subrequest.
ngx_int_t capture_ended(ngx_http_request_t *sr, void *data, ngx_int_t rc) {
    auto *c = static_cast<Capture *>(data);
    if (c->ended) return NGX_OK;
    c->ended = true;
    ngx_uint_t status = sr->headers_out.status;
    if (status == 0) {
        if (rc == NGX_OK) {
            status = NGX_HTTP_OK;
        } else if (rc == NGX_ERROR) {
            status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        } else if (rc >= 100) {
            status = static_cast<ngx_uint_t>(rc);
        }
    }
    c->status = status;
    Batch *batch = c->batch;
    if (--batch->pending == 0 && batch->waiter != nullptr) {
        ngx_post_event(&batch->resume, &ngx_posted_events);
    }
    // A status or failure nginx would answer with its own error page, or take as the
    // end of the whole request: the captured response is that status with no body,
    // and the request goes on. Only a closed or timed-out client ends it.
    if (rc == NGX_ERROR || rc == NGX_HTTP_CREATED || rc == NGX_HTTP_NO_CONTENT ||
        (rc >= NGX_HTTP_SPECIAL_RESPONSE && rc != NGX_HTTP_CLOSE && rc != NGX_HTTP_REQUEST_TIME_OUT &&
         rc != NGX_HTTP_CLIENT_CLOSED_REQUEST)) {
        if (rc > NGX_OK) {
            sr->err_status = rc;
            sr->expect_tested = 1;
            sr->headers_out.content_type.len = 0;
            ngx_http_clear_content_length(sr);
            ngx_http_clear_accept_ranges(sr);
            ngx_http_clear_last_modified(sr);
            if (!sr->header_sent && ngx_http_send_header(sr) == NGX_ERROR) return NGX_ERROR;
        }
        return NGX_OK;
    }
    return rc;
}

// The variable a `vars` entry sets, after nginx's rules for `set`; nullptr after
// logging OpenResty's message.
ngx_http_variable_t *settable_variable(ngx_http_request_t *r, const core::FfiPair &var, u_char *lowcase) noexcept {
    auto *cmcf = static_cast<ngx_http_core_main_conf_t *>(ngx_http_get_module_main_conf(r, ngx_http_core_module));
    ngx_str_t name{static_cast<size_t>(var.key.len), lowcase};
    const ngx_uint_t key = ngx_hash_strlow(lowcase, const_cast<u_char *>(var.key.data), name.len);
    auto *v = static_cast<ngx_http_variable_t *>(ngx_hash_find(&cmcf->variables_hash, key, lowcase, name.len));
    if (v != nullptr && !(v->flags & NGX_HTTP_VAR_CHANGEABLE)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "variable \"%V\" not changeable", &name);
        return nullptr;
    }
    if (v == nullptr || (v->set_handler == nullptr && !(v->flags & NGX_HTTP_VAR_INDEXED))) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "variable \"%V\" cannot be assigned a value (maybe you forgot to define it first?) ", &name);
        return nullptr;
    }
    return v;
}

bool set_variable(ngx_http_request_t *sr, ngx_http_variable_t *v, const core::FfiStr &value) noexcept {
    auto *vv = static_cast<ngx_http_variable_value_t *>(
        ngx_palloc(sr->pool, sizeof(ngx_http_variable_value_t) + static_cast<size_t>(value.len)));
    if (vv == nullptr) return false;
    *vv = {};
    auto *data = reinterpret_cast<u_char *>(vv + 1);
    if (value.len > 0) std::memcpy(data, value.data, static_cast<size_t>(value.len));
    vv->data = data;
    vv->len = static_cast<unsigned>(value.len);
    vv->valid = 1;
    if (v->set_handler) {
        v->set_handler(sr, vv, v->data);
    } else {
        sr->variables[v->index] = *vv;
    }
    return true;
}

// What cannot be undone once subrequests run is checked for every one first: the
// URI, the method, the variables. Returns false with the message in `err`.
const char *const unsafe_uri = "unsafe uri";

// check_spec's checks: nullptr, or what failed.
const char *check_target(ngx_http_request_t *r, const CaptureSpec &spec, ngx_str_t &uri, ngx_str_t &args,
                         u_char *lowcase) noexcept {
    uri.len = spec.uri_len;
    uri.data = static_cast<u_char *>(ngx_pnalloc(r->pool, spec.uri_len ? spec.uri_len : 1));
    if (uri.data == nullptr) return "no memory";
    if (spec.uri_len) std::memcpy(uri.data, spec.uri, spec.uri_len);
    args = {0, nullptr};
    ngx_uint_t flags = 0;
    if (ngx_http_parse_unsafe_uri(r, &uri, &args, &flags) != NGX_OK) return unsafe_uri;
    if (spec.args_len) {
        const size_t len = args.len ? args.len + 1 + spec.args_len : spec.args_len;
        auto *joined = static_cast<u_char *>(ngx_pnalloc(r->pool, len));
        if (joined == nullptr) return "no memory";
        u_char *p = joined;
        if (args.len) {
            p = ngx_cpymem(p, args.data, args.len);
            *p++ = '&';
        }
        std::memcpy(p, spec.args, spec.args_len);
        args = {len, joined};
    }
    if (find_http_method(static_cast<ngx_uint_t>(spec.method)) == nullptr) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "unsupported HTTP method: %d", spec.method);
        return "failed to adjust the subrequest: -1";
    }
    for (int i = 0; i < spec.nvars; ++i) {
        if (settable_variable(r, spec.vars[i], lowcase) == nullptr) return "failed to adjust the subrequest: -1";
    }
    return nullptr;
}

bool check_spec(ngx_http_request_t *r, const CaptureSpec &spec, ngx_str_t &uri, ngx_str_t &args, u_char *lowcase,
                unsigned char *err, size_t *errlen) noexcept {
    const char *message = check_target(r, spec, uri, args, lowcase);
    if (message == nullptr) return true;
    if (message == unsafe_uri) {
        *errlen = static_cast<size_t>(ngx_snprintf(err, *errlen, "unsafe uri in argument #1: %*s", spec.uri_len,
                                                   spec.uri) - err);
    } else {
        core::set_ffi_error(err, errlen, message);
    }
    return false;
}

bool set_content_length(ngx_http_request_t *sr, off_t length) noexcept {
    const char *err = nullptr;
    sr->headers_in.chunked = 0;
    if (set_input_header(sr, "Transfer-Encoding", HeaderValues({}, nullptr, 0), true, err) == NGX_ERROR) return false;
    return set_request_content_length(sr, length);
}

// The subrequest's body, as OpenResty forwards it: the `body` option; none for a method
// that takes none (unless always_forward_body); else the parent's, whose temp file the
// subrequest reads with offsets of its own.
bool adjust_body(ngx_http_request_t *r, ngx_http_request_t *sr, const CaptureSpec &spec) noexcept {
    if (!copy_request_headers(sr, r)) return false;
    if (spec.body != nullptr) {
        auto *body = static_cast<ngx_http_request_body_t *>(ngx_pcalloc(sr->pool, sizeof(ngx_http_request_body_t)));
        if (body == nullptr) return false;
        if (spec.body_len) {
            ngx_buf_t *b = ngx_create_temp_buf(sr->pool, spec.body_len);
            ngx_chain_t *cl = ngx_alloc_chain_link(sr->pool);
            if (b == nullptr || cl == nullptr) return false;
            b->last = ngx_cpymem(b->last, spec.body, spec.body_len);
            b->last_buf = 1;
            cl->buf = b;
            cl->next = nullptr;
            body->bufs = cl;
            body->buf = b;
        }
        sr->request_body = body;
        return set_content_length(sr, static_cast<off_t>(spec.body_len));
    }
    const ngx_uint_t method = static_cast<ngx_uint_t>(spec.method);
    if (!(spec.flags & always_forward_body) && method != NGX_HTTP_PUT && method != NGX_HTTP_POST &&
        r->headers_in.content_length_n > 0) {
        sr->request_body = nullptr;
        return set_content_length(sr, 0);
    }
    ngx_http_request_body_t *parent = r->request_body;
    if (parent != nullptr && parent->temp_file != nullptr) {
        auto *body = static_cast<ngx_http_request_body_t *>(ngx_palloc(sr->pool, sizeof(ngx_http_request_body_t)));
        auto *file = static_cast<ngx_temp_file_t *>(ngx_palloc(sr->pool, sizeof(ngx_temp_file_t)));
        if (body == nullptr || file == nullptr) return false;
        *body = *parent;
        *file = *parent->temp_file;
        file->file.offset = 0;
        body->temp_file = file;
        sr->request_body = body;
    }
    return true;
}

bool adjust(ngx_http_request_t *r, ngx_http_request_t *sr, CaptureSpec &spec, u_char *lowcase) noexcept {
    if (!adjust_body(r, sr, spec)) return false;
    const HttpMethod *method = find_http_method(static_cast<ngx_uint_t>(spec.method));
    sr->method = method->id;
    sr->method_name = method->name;
    if (!(spec.flags & share_all_vars)) {
        auto *cmcf = static_cast<ngx_http_core_main_conf_t *>(ngx_http_get_module_main_conf(sr, ngx_http_core_module));
        const size_t size = cmcf->variables.nelts * sizeof(ngx_http_variable_value_t);
        sr->variables = static_cast<ngx_http_variable_value_t *>(ngx_pcalloc(sr->pool, size));
        if (sr->variables == nullptr) return false;
        if (spec.flags & copy_all_vars) std::memcpy(sr->variables, r->variables, size);
    }
    for (int i = 0; i < spec.nvars; ++i) {
        ngx_http_variable_t *v = settable_variable(sr, spec.vars[i], lowcase);
        if (v == nullptr || !set_variable(sr, v, spec.vars[i].value)) return false;
    }
    for (int i = 0; i < spec.nheaders; ++i) {
        const core::FfiPair &h = spec.headers[i];
        // The first value of a name replaces the parent's, the next ones add to it.
        bool first = true;
        for (int j = 0; j < i && first; ++j) {
            first = !same_name(view(spec.headers[j].key), view(h.key));
        }
        const char *err = nullptr;
        const HeaderValues value(view(h.value), nullptr, 0);
        if (set_input_header(sr, view(h.key), value, first, err) == NGX_ERROR) return false;
    }
    if (spec.ctx_ref != LUA_NOREF) {
        RequestCtx *sr_ctx = RequestCtx::get_or_create(sr);
        if (sr_ctx == nullptr) return false;
        sr_ctx->ctx_ref = spec.ctx_ref;
        spec.ctx_ref = LUA_NOREF;  // the subrequest's now: the Lua side keeps its hands off
    }
    return true;
}

size_t longest_var_name(const CaptureSpec *specs, int n) noexcept {
    size_t longest = 1;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < specs[i].nvars; ++j) {
            if (static_cast<size_t>(specs[i].vars[j].key.len) > longest) longest = specs[i].vars[j].key.len;
        }
    }
    return longest;
}

}  // namespace

void install_capture_filters() noexcept {
    next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = capture_header_filter;
    next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = capture_body_filter;
}

}  // namespace nlf::http

using namespace nlf;
using namespace nlf::http;

// Starts the `n` subrequests of `specs` and the calling thread's wait for them: NGX_AGAIN
// with *batch set (the caller yields, then reads the results with
// nlf_ffi_capture_result), NGX_ERROR with the message in `err`, or the ABI's status for
// no request / a context that may not wait. A failure after some subrequests started
// (out of memory) leaves them to run unseen.
NLF_API int nlf_ffi_capture(ngx_http_request_t *r, CaptureSpec *specs, int n, void **batch_out,
                            unsigned char *err, size_t *errlen) noexcept {
    int status;
    RequestCtx *ctx = api_ctx(r, core::ctx_rewrite | core::ctx_access | core::ctx_content, status);
    if (ctx == nullptr) return status;
    core::Thread *thread = ctx->current();
    if (thread == nullptr) return kBadContext;
    auto fail = [&](const char *message) { return core::set_ffi_error(err, errlen, message); };
    auto *lowcase = static_cast<u_char *>(ngx_pnalloc(r->pool, longest_var_name(specs, n)));
    auto *batch = static_cast<Batch *>(ngx_pcalloc(r->pool, sizeof(Batch)));
    auto *captures = static_cast<Capture *>(ngx_pcalloc(r->pool, sizeof(Capture) * static_cast<size_t>(n)));
    auto *targets = static_cast<ngx_str_t *>(ngx_palloc(r->pool, sizeof(ngx_str_t) * 2 * static_cast<size_t>(n)));
    if (lowcase == nullptr || batch == nullptr || captures == nullptr || targets == nullptr) return fail("no memory");
    for (int i = 0; i < n; ++i) {
        if (!check_spec(r, specs[i], targets[2 * i], targets[2 * i + 1], lowcase, err, errlen)) return NGX_ERROR;
    }
    if (r->subrequests == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "lua subrequests cycle while processing \"%V\"",
                      &targets[0]);
        return fail("failed to issue subrequest: -1");
    }
    batch->ctx = ctx;
    batch->captures = captures;
    batch->count = static_cast<ngx_uint_t>(n);
    batch->resume.handler = resume_waiter;
    batch->resume.data = batch;
    batch->resume.log = r->connection->log;
    for (int i = 0; i < n; ++i) {
        Capture &c = captures[i];
        c.batch = batch;
        c.post.handler = capture_ended;
        c.post.data = &c;
        ngx_http_request_t *sr = nullptr;
        if (ngx_http_subrequest(r, &targets[2 * i], &targets[2 * i + 1], &sr, &c.post,
                                NGX_HTTP_SUBREQUEST_BACKGROUND) != NGX_OK) {
            return fail("failed to issue subrequest: -1");
        }
        c.sr = sr;
        batch->pending++;
        if (!adjust(r, sr, specs[i], lowcase)) return fail("failed to adjust the subrequest: -1");
    }
    batch->waiter = thread;
    ctx->capture_waits++;
    thread->wait.start_io(drop_waiter, batch, "pending subrequests");
    *batch_out = batch;
    return NGX_AGAIN;
}

// Subrequest `i` of a batch that has ended: its status, whether its body was cut short,
// the body, how many header fields it has, and its Content-Length when nginx keeps it
// only as a number (-1: none). The body is the pool's until the request ends.
NLF_API int nlf_ffi_capture_result(void *batch_ptr, int i, int *status, int *truncated, const u_char **body,
                                   size_t *body_len, int *nheaders, double *content_length) noexcept {
    auto *batch = static_cast<Batch *>(batch_ptr);
    const Capture &c = batch->captures[i];
    ngx_http_request_t *sr = c.sr;
    *status = static_cast<int>(c.status);
    *truncated = !c.seen_last;
    *body = c.body;
    *body_len = c.body_len;
    ngx_http_headers_out_t &out = sr->headers_out;
    int count = 0;
    for (ngx_list_part_t *part = &out.headers.part; part; part = part->next) count += static_cast<int>(part->nelts);
    *nheaders = count + 3;  // room for Content-Type, Location, Last-Modified
    *content_length = out.content_length == nullptr && out.content_length_n >= 0
                          ? static_cast<double>(out.content_length_n)
                          : -1;
    return NGX_OK;
}

// Fills `out` (room for the count nlf_ffi_capture_result gave) with subrequest `i`'s
// response header fields as res.header has them and returns how many: first the
// list's (*nlist, in order; a name may come more than once: the Lua side makes an
// array of its values), then the ones nginx keeps apart, which replace any of the
// same name.
NLF_API int nlf_ffi_capture_headers(void *batch_ptr, int i, core::FfiPair *out, int *nlist,
                                    u_char *time_buf) noexcept {
    auto *batch = static_cast<Batch *>(batch_ptr);
    ngx_http_headers_out_t &headers = batch->captures[i].sr->headers_out;
    int n = 0;
    for_each_field(headers.headers, [&](ngx_table_elt_t &h) {
        if (h.hash != 0) out[n++] = {ffi_str(h.key), ffi_str(h.value)};
    });
    *nlist = n;
    auto add = [&](const char *name, const ngx_str_t &value) {
        out[n++] = {{static_cast<int>(std::strlen(name)), reinterpret_cast<const u_char *>(name)}, ffi_str(value)};
    };
    if (headers.content_type.len) add("Content-Type", headers.content_type);
    // nginx's static module sets Location after the list: it would be missing.
    if (headers.location && headers.location->value.len) add("Location", headers.location->value);
    const ngx_uint_t status = headers.status;
    if (headers.last_modified == nullptr && headers.last_modified_time != -1 &&
        (status == NGX_HTTP_OK || status == NGX_HTTP_PARTIAL_CONTENT || status == NGX_HTTP_NOT_MODIFIED ||
         status == NGX_HTTP_NO_CONTENT)) {
        const ngx_str_t time{static_cast<size_t>(ngx_http_time(time_buf, headers.last_modified_time) - time_buf),
                             time_buf};
        add("Last-Modified", time);
    }
    return n;
}

// The Lua side has made its strings: the captured body's memory goes back.
NLF_API void nlf_ffi_capture_free_body(void *batch_ptr, int i) noexcept {
    auto *batch = static_cast<Batch *>(batch_ptr);
    Capture &c = batch->captures[i];
    if (c.body) ngx_pfree(c.sr->pool, c.body);
    c.body = nullptr;
    c.body_len = c.body_cap = 0;
}
