#pragma once
#include "ngx.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nlf::core {

// Keeps a Lua stack at the height it had on entry, whatever the path out.
class StackGuard {
public:
    explicit StackGuard(lua_State *L) noexcept : L_(L), top_(lua_gettop(L)) {}
    ~StackGuard() { lua_settop(L_, top_); }
    StackGuard(const StackGuard &) = delete;
    StackGuard &operator=(const StackGuard &) = delete;

private:
    lua_State *L_;
    int top_;
};

// The per-worker LuaJIT state. Created while nginx reads its configuration (so
// init_by_lua runs in the master and workers inherit the result), closed with the
// configuration's pool.
class Vm {
public:
    // Creates the state, opens the standard libraries, sets up the `ngx` table and
    // registers the embedded Lua layer in package.preload. nullptr when out of memory.
    static Vm *create(ngx_pool_t *pool, ngx_log_t *log);

    lua_State *L() const noexcept { return L_; }

    // Adds a C function to the "nlf.capi" module: the few calls the Lua layer must
    // make through the C API (they may re-enter the VM, which an FFI call must not).
    void register_capi(const char *name, lua_CFunction fn);

    // Sets package.path / package.cpath from the lua_package_* directives.
    void set_search_paths(std::string_view path, std::string_view cpath, std::string_view prefix);

    // Loads the built-in API layer (require "resty.core"). Returns an error message or "".
    std::string load_api();

    // Compiles inline code; returns a registry reference to the function, or
    // LUA_NOREF with `error` set.
    int compile(std::string_view code, const std::string &chunk_name, std::string &error);

    // Pushes the function of a Lua file, compiled once and cached unless `reload`.
    // Returns false with `error` set (nothing pushed) when the file cannot be loaded.
    bool push_file(const char *path, bool reload, std::string &error);

    // Runs a function (pushed on L) in the main thread, as init_by_lua does.
    // Returns the error message with a traceback, or "".
    std::string call_protected(int nargs);

    ~Vm();

private:
    explicit Vm(lua_State *L) noexcept : L_(L) {}
    lua_State *L_;
    int file_cache_ref_ = LUA_NOREF;
};

// Makes `co` run for `request`: its thread.exdata (what get_request returns) and a
// token unique to this request in this worker (exdata2), which coroutines created
// inside inherit and coroutine.resume checks.
void set_coroutine_owner(lua_State *co, void *request, std::uintptr_t token) noexcept;

// "message\nstack traceback:\n..." for an error at the top of `co`'s stack.
std::string error_with_traceback(lua_State *L, lua_State *co);

}  // namespace nlf::core
