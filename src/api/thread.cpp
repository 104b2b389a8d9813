// ngx.thread (spawn, wait, kill) and what coroutine.* needs to know of the scheduler's
// threads: the "nlf.capi" functions lua/resty/core/thread.lua and coroutine.lua call.
// They run Lua (a spawned thread runs at once), so they are C API functions, not FFI.
#include "api/thread.hpp"

#include "core/scheduler.hpp"

namespace nlf::api::thread {

namespace {

using core::Owner;
using core::Thread;

// Codes for the Lua side (a number where the thread would be).
constexpr int kCannotWait = 1;  // not where code may wait: the context's error
constexpr int kNoMemory = 2;
constexpr int kNotLua = 3;      // a C function

Owner *waiting_owner() noexcept {
    Owner *owner = Owner::active();
    return owner != nullptr && owner->current() != nullptr && owner->may_wait() && !owner->exiting() ? owner
                                                                                                      : nullptr;
}

// spawn(co, ...) -> true, exiting | nil, code. Runs the coroutine (made with the
// thread's function) until it first waits or ends; `exiting` when it ended the run
// (ngx.exit): the caller yields at once.
int spawn(lua_State *L) {
    Owner *owner = waiting_owner();
    if (owner == nullptr) {
        lua_pushnil(L);
        lua_pushinteger(L, kCannotWait);
        return 2;
    }
    lua_State *co = lua_tothread(L, 1);
    if (lua_iscfunction(co, 1)) {
        lua_pushnil(L);
        lua_pushinteger(L, kNotLua);
        return 2;
    }
    if (owner->spawn(L, co, lua_gettop(L) - 1) == nullptr) {
        lua_pushnil(L);
        lua_pushinteger(L, kNoMemory);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_pushboolean(L, owner->exiting());
    return 2;
}

// thread_state(t) -> "running" or "zombie" for a thread of the running owner, nil
// when it is gone (its run ended).
int thread_state(lua_State *L) {
    Owner *owner = Owner::active();
    Thread *t = owner != nullptr ? owner->find(lua_tothread(L, 1)) : nullptr;
    if (t == nullptr) return 0;
    if (t->state == Thread::State::zombie) {
        lua_pushliteral(L, "zombie");
    } else {
        lua_pushliteral(L, "running");
    }
    return 1;
}

// wait(t1, ...) -> true, t, ok, results... when one of them has ended (the first in
// argument order), false when the caller must yield (it is resumed with t, ok,
// results... once one ends), nil when one is gone (its run ended).
int wait(lua_State *L) {
    Owner *owner = waiting_owner();
    const int n = lua_gettop(L);
    Thread *threads[16];
    Thread **list = n <= 16 ? threads : static_cast<Thread **>(lua_newuserdata(L, sizeof(Thread *) * n));
    for (int i = 1; i <= n; ++i) {
        Thread *t = owner != nullptr ? owner->find(lua_tothread(L, i)) : nullptr;
        if (t == nullptr || t->entry) {
            lua_pushnil(L);
            return 1;
        }
        list[i - 1] = t;
    }
    for (int i = 0; i < n; ++i) {
        if (list[i]->state != Thread::State::zombie) continue;
        lua_pushboolean(L, 1);
        lua_pushvalue(L, i + 1);
        return 2 + owner->collect(*list[i], L);
    }
    Thread *waiter = owner->current();
    waiter->wait.start_threads();
    for (int i = 0; i < n; ++i) list[i]->waiter = waiter;
    lua_pushboolean(L, 0);
    return 1;
}

// kill(t) -> 1 when a running thread was killed, 0 when it had ended already, nil
// when it is gone (its run ended), 2 and the reason when its wait may not be dropped.
int kill(lua_State *L) {
    Owner *owner = Owner::active();
    Thread *t = owner != nullptr ? owner->find(lua_tothread(L, 1)) : nullptr;
    if (t == nullptr || t->entry) {
        lua_pushnil(L);
        return 1;
    }
    if (const char *refusal = t->wait.kill_refusal()) {
        lua_pushinteger(L, 2);
        lua_pushstring(L, refusal);
        return 2;
    }
    const bool was_live = t->state == Thread::State::live;
    owner->kill(*t);
    lua_pushinteger(L, was_live ? 1 : 0);
    return 1;
}

// adopt_coroutine(co) -> nil when coroutine.resume may resume it, else why not. A
// coroutine runs for the owner it was created in (told by the token in exdata2: a
// request's address may be reused by a later one); one made without an owner
// (init_by_lua) joins the resumer's. The owner's threads are resumed by the scheduler
// alone.
int adopt_coroutine(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    if (co == nullptr) return luaL_argerror(L, 1, "coroutine expected");
    void *resumer = lua_getexdata2(L);
    void *owner_token = lua_getexdata2(co);
    if (owner_token == nullptr) {
        lua_setexdata(co, lua_getexdata(L));
        lua_setexdata2(co, resumer);
    } else if (owner_token != resumer) {
        lua_pushliteral(L, "cannot resume a coroutine that belongs to another request");
        return 1;
    }
    Owner *owner = Owner::active();
    if (owner != nullptr && lua_status(co) == LUA_YIELD && owner->find(co) != nullptr) {
        lua_pushliteral(L, "cannot resume running coroutine");
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

// coroutine.isyieldable where this LuaJIT lacks it.
int isyieldable(lua_State *L) {
    lua_pushboolean(L, lua_isyieldable(L));
    return 1;
}

}  // namespace

void register_capi(core::Vm &vm) {
    vm.register_capi("thread_spawn", spawn);
    vm.register_capi("thread_wait", wait);
    vm.register_capi("thread_kill", kill);
    vm.register_capi("thread_state", thread_state);
    vm.register_capi("adopt_coroutine", adopt_coroutine);
    vm.register_capi("isyieldable", isyieldable);
}

}  // namespace nlf::api::thread
