-- coroutine.* inside request handlers. An ngx.* call that waits (ngx.sleep, ...)
-- yields base.YIELD from whatever coroutine it runs in; when that is a coroutine the
-- handler created, coroutine.resume passes the yield up to its own resumer, and so
-- on up to the entry coroutine, which the scheduler resumes when the wait ends. The
-- user coroutines then continue exactly where they were.
local base = require "resty.core.base"
local capi = require "nlf.capi"

local YIELD = base.YIELD
local co_create = coroutine.create
local co_resume = coroutine.resume
local co_yield = coroutine.yield
local adopt_coroutine = capi.adopt_coroutine
local error = error
local type = type

local function relay(co, ok, first, ...)
    if ok and first == YIELD then
        return relay(co, co_resume(co, co_yield(YIELD)))
    end
    return ok, first, ...
end

local FOREIGN = "cannot resume a coroutine that belongs to another request"

local function resume(co, ...)
    if not adopt_coroutine(co) then
        return false, FOREIGN
    end
    return relay(co, co_resume(co, ...))
end

-- Tail-called by the wrapper: level 2 is the code that called the wrapped function,
-- whose position a string error gets, as with Lua's own coroutine.wrap.
local function wrap_results(co, ok, first, ...)
    if not ok then
        error(first, type(first) == "string" and 2 or 0)
    end
    return first, ...
end

local function wrap(fn)
    local co = co_create(fn)
    return function(...)
        if not adopt_coroutine(co) then
            error(FOREIGN, 2)
        end
        return wrap_results(co, relay(co, co_resume(co, ...)))
    end
end

coroutine.resume = resume
coroutine.wrap = wrap
-- The raw yield, for code that drives the scheduler's wait protocol itself.
coroutine._yield = co_yield

return {
    resume = resume,
    wrap = wrap,
}
