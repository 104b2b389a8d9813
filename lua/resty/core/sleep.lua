-- ngx.sleep: the reference user of the wait protocol (C starts the wait and
-- returns AGAIN, we yield, the scheduler resumes us when the timer fires).
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local get_request = base.get_request
local check_status = base.check_status
local wait_for_scheduler = base.wait
local error = error
local select = select
local tonumber = tonumber
local type = type
local floor = math.floor
local ceil = math.ceil

ffi.cdef[[
int nlf_ffi_sleep(ngx_http_request_t *r, long ms);
]]

local MAX_MS = 0x7fffffff

-- Of fixed arity, so that it is compiled on its own: see output.lua's output_string.
-- Tail-called by ngx.sleep.
local function sleep(sec)
    local r = get_request()
    local t = type(sec) == "number" and sec or tonumber(sec)
    if not t then
        error("bad argument #1 to 'sleep' (number expected, got " .. type(sec) .. ")", 2)
    end
    local ms = t * 1000
    ms = ms >= 0 and floor(ms) or ceil(ms)
    if not (ms >= 0 and ms <= MAX_MS) then
        error("invalid sleep duration \"" .. ms .. "\"", 2)
    end
    -- without a request, only a timer's callback may sleep
    local rc = C.nlf_ffi_sleep(r, ms)
    if rc ~= -2 then
        check_status(rc, r, 2, base.C_API)
        error("failed to sleep", 2)
    end
    wait_for_scheduler()
end

function ngx.sleep(...)
    local n = select("#", ...)
    if n ~= 1 then
        error("attempt to pass " .. n .. " arguments, but accepted 1", 2)
    end
    return sleep(...)
end

return {
    version = base.version,
}
