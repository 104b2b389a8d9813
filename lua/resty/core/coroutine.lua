-- coroutine.* inside request handlers and timers. An ngx.* call that waits (ngx.sleep,
-- ...) yields base.YIELD from whatever coroutine it runs in; when that is a coroutine
-- the code created, coroutine.resume passes the yield up to its own resumer, and so on
-- up to the thread the scheduler runs (entry or light thread), which it resumes when
-- the wait ends. The coroutines then continue exactly where they were. While a wait is
-- passed up, the coroutines on its way are blocked: user code cannot resume them.
local base = require "resty.core.base"
local thread = require "resty.core.thread"
local capi = require "nlf.capi"

local YIELD = base.YIELD
local YIELD_FAILED = base.YIELD_FAILED
local parent_of = thread.parent_of
local DEAD = thread.DEAD
local co_create = coroutine.create
local co_resume = coroutine.resume
local co_yield = coroutine.yield
local co_status = coroutine.status
local co_running = coroutine.running
local adopt_coroutine = capi.adopt_coroutine
local thread_state = capi.thread_state
local error = error
local pcall = pcall
local type = type

-- coroutine -> "running" (it waits itself) or "normal" (it passes up the wait of one
-- it resumed), while the wait is passed up by a coroutine.resume; the scheduler's own
-- threads are never marked (they are refused anyway).
local blocked = setmetatable({}, { __mode = "k" })
-- coroutine -> the one it resumed whose wait it passes up.
local relaying = setmetatable({}, { __mode = "k" })

local relay

local function pass_back(co, me, ok, ...)
    blocked[co] = nil
    relaying[me] = nil
    if not ok then
        return relay(co, me, co_resume(co, YIELD_FAILED))
    end
    return relay(co, me, co_resume(co, ...))
end

-- `me` resumed `co`, which returned or yielded these values.
relay = function(co, me, ok, first, ...)
    if ok and first == YIELD then
        blocked[co] = relaying[co] and "normal" or "running"
        relaying[me] = co
        return pass_back(co, me, pcall(co_yield, YIELD))
    end
    return ok, first, ...
end

-- Why `co` cannot be resumed now, or nil.
local function refusal(co)
    if type(co) ~= "thread" then
        return nil
    end
    local parent = parent_of[co]
    -- a light thread waited on, killed, or gone with its run
    if parent ~= nil and (parent == DEAD or not thread_state(co)) then
        return "cannot resume dead coroutine"
    end
    local why = adopt_coroutine(co)
    if why then
        return why
    end
    local b = blocked[co]
    if b then
        return "cannot resume " .. b .. " coroutine"
    end
end

local function resume(co, ...)
    local why = refusal(co)
    if why then
        return false, why
    end
    return relay(co, co_running(), co_resume(co, ...))
end

-- Tail-called by the wrapper: level 2 is the code that called the wrapped function,
-- whose position a string error gets, as with Lua's own coroutine.wrap.
local function wrap_results(ok, first, ...)
    if not ok then
        error(first, type(first) == "string" and 2 or 0)
    end
    return first, ...
end

local function wrap(fn)
    local co = co_create(fn)
    return function(...)
        local why = refusal(co)
        if why then
            error(why, 2)
        end
        return wrap_results(relay(co, co_running(), co_resume(co, ...)))
    end
end

-- A light thread reads as OpenResty's do: "running" until it ends, "zombie" until
-- waited on, then "dead".
local function status(co)
    local parent = parent_of[co]
    if parent ~= nil then
        if parent == DEAD then
            return "dead"
        end
        if co == co_running() then
            return "running"
        end
        -- "running" or "zombie"; gone with the run that had it: "dead"
        return thread_state(co) or "dead"
    end
    return blocked[co] or co_status(co)
end

coroutine.resume = resume
coroutine.wrap = wrap
coroutine.status = status
if not coroutine.isyieldable then
    coroutine.isyieldable = capi.isyieldable
end
-- The raw yield, for code that drives the scheduler's wait protocol itself.
coroutine._yield = co_yield

return {
    resume = resume,
    wrap = wrap,
    status = status,
}
