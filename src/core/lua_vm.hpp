#pragma once
#include "ngx.hpp"

#include <cstdint>
#include <string>
#include <vector>
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

    // From now on, creating a global variable logs OpenResty's warning (the "_G write
    // guard") with a traceback; the global is still created. Left out when _G already
    // has a metatable (a strict-mode library's, say). Returns an error message or "".
    std::string guard_global_writes();

    // What lua_code_cache off needs to load modules anew for each request: remember
    // the modules loaded so far (by init_by_lua and init_worker_by_lua), then forget,
    // at each such request's start, the ones loaded since (the built-in ones excepted).
    void remember_loaded_modules();
    void forget_modules_loaded_since();

    // A run without a request (see requestless_run) has ended: its ngx.ctx table, if
    // it made one, is let go.
    void forget_run_ctx(std::uintptr_t run) noexcept;

    // Compiles inline code; returns a registry reference to the function, or
    // LUA_NOREF with `error` set. Handlers (and files, below) become functions of
    // fixed arity that LuaJIT compiles (see core/pure/bytecode_dump.hpp).
    int compile(std::string_view code, const std::string &chunk_name, std::string &error);

    // Pushes the function of a Lua file, compiled once and cached unless `reload`.
    // Returns false with `error` set (nothing pushed) when the file cannot be loaded.
    bool push_file(const char *path, bool reload, std::string &error);

    // A coroutine to run Lua in, kept alive by a registry reference. Threads that ran
    // to completion are pooled and reused: making one per request is the largest
    // part of the Lua cost of a short handler.
    struct Thread {
        lua_State *co = nullptr;
        int ref = LUA_NOREF;
    };
    Thread acquire_thread();
    // Returns the thread to the pool (reset first unless it finished), or lets it go
    // when the pool is full.
    void release_thread(Thread thread) noexcept;
    // lua_thread_cache_max_entries: how many finished threads the pool keeps (0: none).
    // False when memory runs out (the pool is left as it was).
    bool set_thread_cache_size(std::size_t size) noexcept;

    // Runs a function (pushed on L) in the main thread, as init_by_lua does.
    // Returns the error message with a traceback, or "".
    std::string call_protected(int nargs);

    ~Vm();

private:
    explicit Vm(lua_State *L) : L_(L) { idle_threads_.reserve(max_idle_threads_); }
    std::size_t max_idle_threads_ = 1024;
    lua_State *L_;
    int file_cache_ref_ = LUA_NOREF;
    int kept_modules_ref_ = LUA_NOREF;  // names of the modules forget_... leaves
    std::vector<Thread> idle_threads_;  // max_idle_threads_ reserved: pushing never allocates
};

// Holds a pooled thread for a scope.
class ScopedThread {
public:
    explicit ScopedThread(Vm &vm) : vm_(vm), thread_(vm.acquire_thread()) {}
    ~ScopedThread() { vm_.release_thread(thread_); }
    ScopedThread(const ScopedThread &) = delete;
    ScopedThread &operator=(const ScopedThread &) = delete;
    lua_State *co() const noexcept { return thread_.co; }

private:
    Vm &vm_;
    Vm::Thread thread_;
};

// Makes `co` run for `request`: its thread.exdata (what get_request returns) and a
// token unique to this request in this worker (exdata2), which coroutines created
// inside inherit and coroutine.resume checks.
void set_coroutine_owner(lua_State *co, void *request, std::uintptr_t token) noexcept;

// A token no other owner (request, timer run) of this worker has had.
std::uintptr_t new_owner_token() noexcept;

// "message\nstack traceback:\n..." for an error at the top of `co`'s stack.
std::string error_with_traceback(lua_State *L, lua_State *co);

}  // namespace nlf::core
