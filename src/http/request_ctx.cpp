#include "http/request_ctx.hpp"

#include "http/module.hpp"

#include <new>

namespace nlf::http {

namespace {

void destroy_ctx(void *data) {
    static_cast<RequestCtx *>(data)->~RequestCtx();
}

// The request ends (it may be long before its pool goes).
void end_request(void *data) {
    auto *ctx = static_cast<RequestCtx *>(data);
    ctx->release();
    ctx->drop_on_abort();
}

}  // namespace

RequestCtx *RequestCtx::get_or_create(ngx_http_request_t *r) noexcept {
    if (RequestCtx *ctx = get(r)) return ctx;
    void *mem = ngx_palloc(r->pool, sizeof(RequestCtx));
    ngx_pool_cleanup_t *pool_cln = ngx_pool_cleanup_add(r->pool, 0);
    // The request may end (client abort, termination) long before its pool goes:
    // pending waits must be dropped then.
    ngx_http_cleanup_t *request_cln = ngx_http_cleanup_add(r, 0);
    if (mem == nullptr || pool_cln == nullptr || request_cln == nullptr) return nullptr;
    auto *ctx = new (mem) RequestCtx(r, *main_conf(r)->vm, core::new_owner_token());
    pool_cln->handler = destroy_ctx;
    pool_cln->data = ctx;
    request_cln->handler = end_request;
    request_cln->data = ctx;
    ngx_http_set_ctx(r, ctx, ngx_http_lua_ffi_module);
    // OpenResty runs each such request in a Lua VM of its own: its modules load anew.
    if (!loc_conf(r)->code_cache) main_conf(r)->vm->forget_modules_loaded_since();
    return ctx;
}

void RequestCtx::release() noexcept {
    if (body_read_in_progress == this) body_read_in_progress = nullptr;
    abandon();
    suspended = false;
}

void RequestCtx::drop_on_abort() noexcept {
    if (on_abort_ref == LUA_NOREF) return;
    luaL_unref(vm.L(), LUA_REGISTRYINDEX, on_abort_ref);
    on_abort_ref = LUA_NOREF;
}

void RequestCtx::drop_ctx_table() noexcept {
    if (ctx_ref == LUA_NOREF) return;
    lua_State *L = vm.L();
    lua_getfield(L, LUA_REGISTRYINDEX, ctx_tables_key);
    if (lua_istable(L, -1)) luaL_unref(L, -1, ctx_ref);
    lua_pop(L, 1);
    ctx_ref = LUA_NOREF;
}

}  // namespace nlf::http
