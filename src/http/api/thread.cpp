// ngx.on_abort: the callback lua_check_client_abort runs as a light thread when the
// client goes away (phases.cpp's check_client_abort spawns it).
#include "http/api/api.hpp"
#include "http/module.hpp"

namespace nlf::http {

namespace {

// Codes for the Lua side.
constexpr int kRegistered = 0;
constexpr int kCheckOff = 1;
constexpr int kDuplicate = 2;
constexpr int kNoContext = 3;

// on_abort(f) -> a code; f is a Lua function (checked by the caller).
int on_abort(lua_State *L) {
    auto *r = static_cast<ngx_http_request_t *>(lua_getexdata(L));
    RequestCtx *ctx = r != nullptr ? RequestCtx::get(r) : nullptr;
    if (ctx == nullptr || !(ctx->context & (core::ctx_rewrite | core::ctx_access | core::ctx_content))) {
        lua_pushinteger(L, kNoContext);
        return 1;
    }
    if (!loc_conf(r)->check_client_abort) {
        lua_pushinteger(L, kCheckOff);
        return 1;
    }
    if (ctx->on_abort_ref != LUA_NOREF) {
        lua_pushinteger(L, kDuplicate);
        return 1;
    }
    lua_settop(L, 1);
    ctx->on_abort_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushinteger(L, kRegistered);
    return 1;
}

}  // namespace

void register_thread_capi(core::Vm &vm) {
    vm.register_capi("on_abort", on_abort);
}

}  // namespace nlf::http
