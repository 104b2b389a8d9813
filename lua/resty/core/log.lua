-- ngx.log and the global print.
local ffi = require "ffi"
local base = require "resty.core.base"
local buffer = require "string.buffer"

local C = ffi.C
local get_request = base.get_request
local getinfo = debug.getinfo
local getmetatable = getmetatable
local error = error
local select = select
local tonumber = tonumber
local tostring = tostring
local type = type
local str_match = string.match
local ngx_null = ngx.null

ffi.cdef[[
int ngx_http_lua_ffi_errlog_get_sys_filter_level(ngx_http_request_t *r);
int ngx_http_lua_ffi_raw_log(ngx_http_request_t *r, int level, const unsigned char *s,
                             size_t s_len);
]]

local NOTICE = 6
local log_buf = buffer.new(256)

-- "[lua] file:line: func(): ", naming the code at stack level `level`, as OpenResty.
local function put_origin(buf, level)
    local info = getinfo(level, "Sln")
    buf:put("[lua] ")
    if not info then
        return
    end
    buf:put(str_match(info.short_src, "[^/]*$"), ":", info.currentline, ": ")
    if info.namewhat ~= "" and info.what == "Lua" and info.name then
        buf:put(info.name, "(): ")
    end
end

-- Whether a line at `level` would be written. Of fixed arity, unlike ngx.log and
-- print, so that it is compiled on its own: see output.lua's output_string.
local function enabled(r, level)
    return level <= C.ngx_http_lua_ffi_errlog_get_sys_filter_level(r)
end

-- Writes the log line; raises at stack level 3 (the user's code, seen from here
-- when called by ngx.log or print).
local function write_log(level, fname, ...)
    local r = get_request()
    if not enabled(r, level) then
        return
    end
    log_buf:reset()
    put_origin(log_buf, 4)
    for i = 1, select("#", ...) do
        local v = select(i, ...)
        local t = type(v)
        if t == "string" or t == "number" then
            log_buf:put(v)
        elseif t == "nil" then
            log_buf:put("nil")
        elseif t == "boolean" then
            log_buf:put(v and "true" or "false")
        elseif v == ngx_null then
            log_buf:put("null")
        else
            local mt = getmetatable(v)
            if type(mt) ~= "table" or not mt.__tostring then
                error("bad argument #" .. i .. " to '" .. fname
                      .. "' (string, number, boolean, or nil expected, got " .. t .. ")", 3)
            end
            log_buf:put(tostring(v))
        end
    end
    local p, len = log_buf:ref()
    C.ngx_http_lua_ffi_raw_log(r, level, p, len)
end

function ngx.log(level, ...)
    local n = type(level) == "number" and level or tonumber(level)
    if not n then
        error("bad argument #1 to 'log' (number expected, got " .. type(level) .. ")", 2)
    end
    if n < 0 or n > 8 or n % 1 ~= 0 then
        error("bad log level: " .. tostring(level), 2)
    end
    write_log(n, "log", ...)
end

function print(...)
    write_log(NOTICE, "print", ...)
end

return {
    version = base.version,
}
