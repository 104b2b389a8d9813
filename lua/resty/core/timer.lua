-- ngx.timer.at, ngx.timer.every, ngx.timer.running_count, ngx.timer.pending_count.
-- The callbacks and their arguments are kept here under an id; src/api/timer.cpp
-- waits for the delay, then runs `run` for the id in a thread of its own.
local ffi = require "ffi"
local base = require "resty.core.base"
local capi = require "nlf.capi"

local C = ffi.C
local ffi_str = ffi.string
local check_status = base.check_status
-- In OpenResty's words (see base.disabled_msg).
local TIMER_API = base.wording("no request", true)
local new_tab = base.new_tab
local ref_in_table = base.ref_in_table
local error = error
local select = select
local type = type
local tonumber = tonumber
local unpack = unpack
local floor = math.floor
local huge = math.huge

ffi.cdef[[
int nlf_ffi_timer_start(long delay_ms, int every, int id, const char **err);
int nlf_ffi_timer_count(int running);
]]

local err_ptr = ffi.new("const char *[1]")

-- id -> { callback, number of arguments, arguments... }; slot 0 heads the free list
-- (see base.ref_in_table).
local timers = new_tab(16, 0)
timers[0] = 0

local function release(id)
    timers[id] = timers[0]
    timers[0] = id
end

-- Called by C for the timer `id`: runs its callback (unless `skip`), with `premature`
-- first; the id stays for the next run of an `every` timer when `keep`.
local function run(id, premature, keep, skip)
    local entry = timers[id]
    if not keep then
        release(id)
    end
    if not skip then
        return entry[1](premature, unpack(entry, 3, entry[2] + 2))
    end
end

capi.set_timer_runner(run)

-- Tail-called by at and every: errors at level 2 are their caller's. `...` are the
-- callback's arguments, `nargs` of them.
local function start(fname, every, nargs, delay, callback, ...)
    if nargs < 2 then
        error("expecting at least 2 arguments but got " .. nargs, 2)
    end
    local t = type(delay)
    if t == "string" then
        delay = tonumber(delay)
    end
    if type(delay) ~= "number" then
        error("bad argument #1 to '" .. fname .. "' (number expected, got " .. t .. ")", 2)
    end
    -- milliseconds, cut as OpenResty's (ngx_msec_t) cast cuts them
    local ms = floor(delay * 1000)
    if ms < 0 then
        error("bad argument #1 to '" .. fname .. "' (delay must not be negative)", 2)
    end
    if ms ~= ms or ms == huge then
        error("bad argument #1 to '" .. fname .. "' (delay must be a finite number)", 2)
    end
    if ms >= 2 ^ 62 then  -- the C side takes a long
        error("bad argument #1 to '" .. fname .. "' (delay too large)", 2)
    end
    if every and ms == 0 then
        error("delay cannot be zero", 2)
    end
    if type(callback) ~= "function" then
        error("bad argument #2 to '" .. fname .. "' (Lua function expected)", 2)
    end
    -- Without arguments (the usual case) the entry is made without `...`, which a
    -- compiled trace cannot copy into a table.
    local entry = nargs == 2 and { callback, 0 } or { callback, nargs - 2, ... }
    local id = ref_in_table(timers, entry)
    local rc = C.nlf_ffi_timer_start(ms, every and 1 or 0, id, err_ptr)
    if rc == 0 then
        return 1
    end
    release(id)
    if rc == -1 then
        return nil, ffi_str(err_ptr[0])
    end
    check_status(rc, nil, 2, TIMER_API)
end

local timer = ngx.timer or {}
ngx.timer = timer

function timer.at(delay, callback, ...)
    return start("at", false, select("#", ...) + (callback ~= nil and 2 or delay ~= nil and 1 or 0),
                 delay, callback, ...)
end

function timer.every(delay, callback, ...)
    return start("every", true, select("#", ...) + (callback ~= nil and 2 or delay ~= nil and 1 or 0),
                 delay, callback, ...)
end

function timer.running_count()
    return C.nlf_ffi_timer_count(1)
end

function timer.pending_count()
    return C.nlf_ffi_timer_count(0)
end

return {
    version = base.version,
}
