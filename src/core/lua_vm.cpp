#include "core/lua_vm.hpp"

#include "core/embedded_lua.hpp"
#include "core/pure/bytecode_dump.hpp"
#include "core/pure/search_path.hpp"

#include <cstdio>
#include <memory>
#include <new>

namespace nlf::core {

namespace {

// The registry name of the ngx.ctx tables of runs without a request, by run (see
// resty.core.base's requestless_ctxs).
constexpr const char *kRunCtxTables = "nlf_requestless_ctxs";

void close_vm(void *data) {
    delete static_cast<Vm *>(data);
}

int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

// package.preload's loader of an embedded module (upvalue 1): its bytecode becomes a
// function only when the module is required, so that modules nobody requires take no
// memory and no main chunk stays reachable from package.preload once it has run.
int load_embedded_module(lua_State *L) {
    const auto *m = static_cast<const EmbeddedModule *>(lua_touserdata(L, lua_upvalueindex(1)));
    if (luaL_loadbuffer(L, m->bytecode, m->size, m->name) != 0) return lua_error(L);
    lua_insert(L, 1);  // the chunk, then require's arguments
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

void register_embedded_modules(lua_State *L) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    for (std::size_t i = 0; i < embedded_lua_module_count; ++i) {
        const EmbeddedModule &m = embedded_lua_modules[i];
        lua_pushlightuserdata(L, const_cast<EmbeddedModule *>(&m));
        lua_pushcclosure(L, load_embedded_module, 1);
        lua_setfield(L, -2, m.name);
    }
    lua_pop(L, 2);
}

int append_to_string(lua_State *, const void *data, size_t size, void *out) {
    static_cast<std::string *>(out)->append(static_cast<const char *>(data), size);
    return 0;
}

// Replaces the handler chunk on top of the stack, compiled from `code`, by the same
// code as a function of fixed arity that reads as the main chunk (see
// core/pure/bytecode_dump.hpp). Code that uses the chunk's `...` keeps its chunk.
void prefer_fixed_arity(lua_State *L, std::string_view code, const char *chunk_name) {
    const std::string source = fixed_arity_source(code);
    if (luaL_loadbuffer(L, source.data(), source.size(), chunk_name) != 0) {
        lua_pop(L, 1);
        return;
    }
    std::string dump;
    if (lua_pcall(L, 0, 1, 0) != 0 || !lua_isfunction(L, -1) || lua_dump(L, append_to_string, &dump) != 0 ||
        !mark_as_main_chunk(dump)) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, dump.data(), dump.size(), chunk_name) != 0) {
        lua_pop(L, 1);
        return;
    }
    lua_replace(L, -2);
}

// The text of a file, empty when it cannot be read (its chunk was loaded already).
std::string read_file(const char *path) {
    std::string text;
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(std::fopen(path, "rb"), std::fclose);
    if (!file) return text;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, n);
    if (std::ferror(file.get())) text.clear();
    return text;
}

}  // namespace

std::uintptr_t new_owner_token() noexcept {
    static std::uintptr_t last = 0;
    return ++last;
}

void set_coroutine_owner(lua_State *co, void *request, std::uintptr_t token) noexcept {
    lua_setexdata(co, request);
    lua_setexdata2(co, reinterpret_cast<void *>(token));
}

std::string error_with_traceback(lua_State *L, lua_State *co) {
    const char *msg = lua_tostring(co, -1);
    luaL_traceback(L, co, msg ? msg : "(error object is not a string)", 0);
    std::string out = lua_tostring(L, -1);
    lua_pop(L, 1);
    return out;
}

Vm *Vm::create(ngx_pool_t *pool, ngx_log_t *log) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == nullptr) return nullptr;
    lua_State *L = luaL_newstate();
    if (L == nullptr) {
        ngx_log_error(NGX_LOG_EMERG, log, 0, "failed to create the Lua VM");
        return nullptr;
    }
    Vm *vm = new (std::nothrow) Vm(L);
    if (vm == nullptr) {
        lua_close(L);
        return nullptr;
    }
    cln->handler = close_vm;
    cln->data = vm;

    luaL_openlibs(L);
    // The ngx table exists before any Lua runs; ngx.null must be the NULL light
    // userdata (as cjson.null), which only C can make.
    lua_createtable(L, 0, 64);
    lua_pushlightuserdata(L, nullptr);
    lua_setfield(L, -2, "null");
    lua_setglobal(L, "ngx");
    register_embedded_modules(L);

    lua_newtable(L);
    vm->file_cache_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    return vm;
}

Vm::~Vm() {
    lua_close(L_);
}

void Vm::register_capi(const char *name, lua_CFunction fn) {
    StackGuard guard(L_);
    lua_getglobal(L_, "package");
    lua_getfield(L_, -1, "loaded");
    lua_getfield(L_, -1, "nlf.capi");
    if (!lua_istable(L_, -1)) {
        lua_pop(L_, 1);
        lua_newtable(L_);
        lua_pushvalue(L_, -1);
        lua_setfield(L_, -3, "nlf.capi");
    }
    lua_pushcfunction(L_, fn);
    lua_setfield(L_, -2, name);
}

void Vm::set_search_paths(std::string_view path, std::string_view cpath, std::string_view prefix) {
    StackGuard guard(L_);
    lua_getglobal(L_, "package");
    struct {
        std::string_view spec;
        const char *field;
    } paths[] = {{path, "path"}, {cpath, "cpath"}};
    for (const auto &p : paths) {
        if (p.spec.empty()) continue;
        lua_getfield(L_, -1, p.field);
        std::string expanded = expand_search_path(p.spec, lua_tostring(L_, -1), prefix);
        lua_pop(L_, 1);
        lua_pushlstring(L_, expanded.data(), expanded.size());
        lua_setfield(L_, -2, p.field);
    }
}

std::string Vm::load_api() {
    StackGuard guard(L_);
    lua_getglobal(L_, "require");
    lua_pushliteral(L_, "resty.core");
    return call_protected(1);
}

std::string Vm::guard_global_writes() {
    // Named as OpenResty names its guard, so that log lines read the same.
    static constexpr std::string_view guard = R"lua(
local G, rawset, tostring, traceback = ...
if getmetatable(G) ~= nil then
    return
end
local log, WARN = ngx.log, ngx.WARN
setmetatable(G, {
    __newindex = function(t, key, value)
        rawset(t, key, value)
        log(WARN, "writing a global Lua variable ('", tostring(key), "') which may lead to race ",
            "conditions between concurrent requests, so prefer the use of 'local' variables",
            traceback("", 2))
    end,
})
)lua";
    StackGuard stack(L_);
    if (luaL_loadbuffer(L_, guard.data(), guard.size(), "=_G write guard") != 0) {
        const char *msg = lua_tostring(L_, -1);
        return msg ? msg : "unknown error";
    }
    lua_pushvalue(L_, LUA_GLOBALSINDEX);
    lua_getglobal(L_, "rawset");
    lua_getglobal(L_, "tostring");
    lua_getglobal(L_, "debug");
    lua_getfield(L_, -1, "traceback");
    lua_remove(L_, -2);
    return call_protected(4);
}

void Vm::forget_run_ctx(std::uintptr_t run) noexcept {
    StackGuard stack(L_);
    lua_getfield(L_, LUA_REGISTRYINDEX, kRunCtxTables);
    if (!lua_istable(L_, -1)) return;
    lua_pushnumber(L_, static_cast<lua_Number>(run));
    lua_pushnil(L_);
    lua_rawset(L_, -3);
}

void Vm::remember_loaded_modules() {
    StackGuard stack(L_);
    lua_newtable(L_);
    lua_getglobal(L_, "package");
    lua_getfield(L_, -1, "loaded");
    for (lua_pushnil(L_); lua_next(L_, -2) != 0; lua_pop(L_, 1)) {
        lua_pushvalue(L_, -2);
        lua_pushboolean(L_, 1);
        lua_rawset(L_, -7);
    }
    lua_pop(L_, 2);
    luaL_unref(L_, LUA_REGISTRYINDEX, kept_modules_ref_);
    kept_modules_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
}

void Vm::forget_modules_loaded_since() {
    if (kept_modules_ref_ == LUA_NOREF) return;
    StackGuard stack(L_);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, kept_modules_ref_);
    const int kept = lua_gettop(L_);
    lua_getglobal(L_, "package");
    lua_getfield(L_, -1, "preload");
    const int preload = lua_gettop(L_);
    lua_getfield(L_, -2, "loaded");
    const int loaded = lua_gettop(L_);
    // Names are collected first: a table must not change while lua_next walks it.
    lua_newtable(L_);
    const int forget = lua_gettop(L_);
    int count = 0;
    for (lua_pushnil(L_); lua_next(L_, loaded) != 0; lua_pop(L_, 1)) {
        if (lua_type(L_, -2) != LUA_TSTRING) continue;
        lua_pushvalue(L_, -2);
        lua_rawget(L_, kept);
        lua_pushvalue(L_, -3);
        lua_rawget(L_, preload);
        const bool keep = !lua_isnil(L_, -1) || !lua_isnil(L_, -2);
        lua_pop(L_, 2);
        if (keep) continue;
        lua_pushvalue(L_, -2);
        lua_rawseti(L_, forget, ++count);
    }
    for (int i = 1; i <= count; ++i) {
        lua_rawgeti(L_, forget, i);
        lua_pushnil(L_);
        lua_rawset(L_, loaded);
    }
}

bool Vm::set_thread_cache_size(std::size_t size) noexcept {
    try {
        idle_threads_.reserve(size);
    } catch (const std::bad_alloc &) {
        return false;
    }
    while (idle_threads_.size() > size) {
        luaL_unref(L_, LUA_REGISTRYINDEX, idle_threads_.back().ref);
        idle_threads_.pop_back();
    }
    max_idle_threads_ = size;
    return true;
}

Vm::Thread Vm::acquire_thread() {
    if (!idle_threads_.empty()) {
        Thread thread = idle_threads_.back();
        idle_threads_.pop_back();
        return thread;
    }
    Thread thread;
    thread.co = lua_newthread(L_);
    thread.ref = luaL_ref(L_, LUA_REGISTRYINDEX);
    return thread;
}

void Vm::release_thread(Thread thread) noexcept {
    if (thread.ref == LUA_NOREF) return;
    if (idle_threads_.size() < max_idle_threads_) {
        // One that ended in an error or was abandoned while it waited (ngx.exit, a
        // client abort) starts afresh.
        if (lua_status(thread.co) != 0) lua_resetthread(L_, thread.co);
        lua_settop(thread.co, 0);
        idle_threads_.push_back(thread);
        return;
    }
    luaL_unref(L_, LUA_REGISTRYINDEX, thread.ref);
}

std::string Vm::call_protected(int nargs) {
    StackGuard guard(L_);
    int base = lua_gettop(L_) - nargs;
    lua_pushcfunction(L_, traceback_handler);
    lua_insert(L_, base);
    if (lua_pcall(L_, nargs, 0, base) != 0) {
        const char *msg = lua_tostring(L_, -1);
        return msg ? msg : "(error object is not a string)";
    }
    return {};
}

int Vm::compile(std::string_view code, const std::string &chunk_name, std::string &error) {
    if (luaL_loadbuffer(L_, code.data(), code.size(), chunk_name.c_str()) != 0) {
        const char *msg = lua_tostring(L_, -1);
        error = msg ? msg : "unknown error";
        lua_pop(L_, 1);
        return LUA_NOREF;
    }
    prefer_fixed_arity(L_, code, chunk_name.c_str());
    return luaL_ref(L_, LUA_REGISTRYINDEX);
}

bool Vm::push_file(const char *path, bool reload, std::string &error) {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, file_cache_ref_);
    if (!reload) {
        lua_getfield(L_, -1, path);
        if (lua_isfunction(L_, -1)) {
            lua_remove(L_, -2);
            return true;
        }
        lua_pop(L_, 1);
    }
    if (luaL_loadfile(L_, path) != 0) {
        const char *msg = lua_tostring(L_, -1);
        error = msg ? msg : "unknown error";
        lua_pop(L_, 2);
        return false;
    }
    const std::string text = read_file(path);
    const std::string_view code = lexed_file_text(text);
    // A precompiled file stays as it is.
    if (!code.empty() && code[0] != LUA_SIGNATURE[0]) prefer_fixed_arity(L_, code, ('@' + std::string(path)).c_str());
    if (!reload) {
        lua_pushvalue(L_, -1);
        lua_setfield(L_, -3, path);
    }
    lua_remove(L_, -2);
    return true;
}

}  // namespace nlf::core
