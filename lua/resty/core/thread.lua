-- ngx.thread: light threads (src/api/thread.cpp runs them in the scheduler). What
-- only Lua knows is kept here: each thread's parent, the coroutine that spawned it
-- (only it may wait on or kill the thread), until the thread is waited on or killed.
local base = require "resty.core.base"
local capi = require "nlf.capi"

local get_request = base.get_request
local check_yieldable = base.check_yieldable
local disabled_msg = base.disabled_msg
local C_API = base.C_API
local wait_for_scheduler = base.wait
local capi_spawn = capi.thread_spawn
local capi_wait = capi.thread_wait
local capi_kill = capi.thread_kill
local co_running = coroutine.running
local co_create = coroutine.create
local error = error
local select = select
local type = type

-- thread -> its parent, or DEAD once waited on or killed.
local DEAD = {}
local parent_of = setmetatable({}, { __mode = "k" })

local SPAWN_ERRORS = {
    [2] = "no memory",
    [3] = "bad argument #1 to 'spawn' (Lua function expected)",
}

-- Tail-called by spawn: errors at level 2 are its caller's.
local function spawned(t, ran, exiting)
    if not ran then
        parent_of[t] = nil
        error(SPAWN_ERRORS[exiting] or disabled_msg(get_request(), C_API), 2)
    end
    if exiting then
        -- the thread ended the run (ngx.exit): nothing here goes on
        wait_for_scheduler()
    end
    return t
end

local function spawn(f, ...)
    if type(f) ~= "function" then
        error("bad argument #1 to 'spawn' (Lua function expected)", 2)
    end
    local t = co_create(f)
    -- known before it first runs: it may look at itself
    parent_of[t] = co_running()
    return spawned(t, capi_spawn(t, ...))
end

local function waited(t, ...)
    parent_of[t] = DEAD
    return ...
end

local function after_wait(status, ...)
    if status then
        return waited(...)
    end
    if status == false then
        return waited(wait_for_scheduler())
    end
    return nil, "already waited or killed"
end

local function wait(...)
    local n = select("#", ...)
    check_yieldable(get_request(), 2, C_API)
    if n == 0 then
        error("at least one coroutine should be specified", 2)
    end
    local me = co_running()
    for i = 1, n do
        local t = select(i, ...)
        if type(t) ~= "thread" then
            error("bad argument #" .. i .. " to 'wait' (lua thread expected)", 2)
        end
        local parent = parent_of[t]
        if parent == nil then
            error("attempt to wait on a coroutine that is not a user thread", 2)
        end
        if parent == DEAD then
            return nil, "already waited or killed"
        end
        if parent ~= me then
            error("only the parent coroutine can wait on the thread", 2)
        end
    end
    return after_wait(capi_wait(...))
end

local function kill(t)
    check_yieldable(get_request(), 2, C_API)
    if type(t) ~= "thread" then
        error("bad argument #1 to 'kill' (lua thread expected)", 2)
    end
    local parent = parent_of[t]
    if parent == nil then
        return nil, "not user thread"
    end
    if parent == DEAD then
        return nil, "already waited or killed"
    end
    if parent ~= co_running() then
        return nil, "killer not parent"
    end
    parent_of[t] = DEAD
    local killed, refusal = capi_kill(t)
    if killed == 1 then
        return 1
    end
    if killed == 2 then
        parent_of[t] = parent
        return nil, refusal
    end
    if killed == 0 then
        return nil, "already terminated"
    end
    return nil, "already waited or killed"
end

local ON_ABORT_ERRORS = {
    [1] = "lua_check_client_abort is off",
    [2] = "duplicate call",
}

function ngx.on_abort(f)
    if type(f) ~= "function" then
        error("bad argument #1 to 'on_abort' (Lua function expected)", 2)
    end
    local rc = capi.on_abort(f)
    if rc == 0 then
        return 1
    end
    if rc == 3 then
        error(disabled_msg(get_request(), C_API), 2)
    end
    return nil, ON_ABORT_ERRORS[rc]
end

ngx.thread = {
    spawn = spawn,
    wait = wait,
    kill = kill,
}

return {
    version = base.version,
    -- for resty.core.coroutine's coroutine.status
    parent_of = parent_of,
    DEAD = DEAD,
}
