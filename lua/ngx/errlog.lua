-- The ngx.errlog module: raw_log, get_sys_filter_level, and the lines
-- lua_capture_error_log keeps (get_logs, set_filter_level; src/api/errlog.cpp).
local ffi = require "ffi"
local base = require "resty.core.base"
require "resty.core.log"  -- declares the two log functions

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local new_tab = base.new_tab
local error = error
local type = type

ffi.cdef[[
int ngx_http_lua_ffi_errlog_set_filter_level(int level, unsigned char *err, size_t *errlen);
int ngx_http_lua_ffi_errlog_get_msg(char **log, int *loglevel, unsigned char *err, size_t *errlen,
    double *log_time);
]]

local ERR_BUF_SIZE = 128
local DONE = -4
local errlen = base.get_size_ptr()
local line_ptr = ffi.new("char *[1]")
local level_ptr = ffi.new("int[1]")
local time_ptr = ffi.new("double[1]")

local _M = {
    version = base.version,
}

-- The error_log level of the code running now (the request's location, else the
-- worker's): ngx.STDERR (0) to ngx.DEBUG (8).
function _M.get_sys_filter_level()
    return C.ngx_http_lua_ffi_errlog_get_sys_filter_level(get_request())
end

-- Logs `msg` at `level` as it is: no "[lua] file:line:" prefix.
function _M.raw_log(level, msg)
    if type(level) ~= "number" then
        error("bad argument #1 to 'raw_log' (must be a number)", 2)
    end
    if type(msg) ~= "string" then
        error("bad argument #2 to 'raw_log' (must be a string)", 2)
    end
    if C.ngx_http_lua_ffi_raw_log(get_request(), level, msg, #msg) ~= 0 then
        error("bad log level", 2)
    end
end

function _M.set_filter_level(level)
    if not level then
        return nil, [[missing "level" argument]]
    end
    local err = get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    if C.ngx_http_lua_ffi_errlog_set_filter_level(level, err, errlen) ~= 0 then
        return nil, ffi_str(err, errlen[0])
    end
    return true
end

-- Takes out up to `max` (default 10) of the oldest captured lines, as
-- { level1, time1, line1, level2, ... } in `logs` (or a new table), nil after the last.
function _M.get_logs(max, logs)
    max = max or 10
    if not logs then
        logs = new_tab(max * 3 + 1, 0)
    end
    local err = get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    local n = 0
    for _ = 1, max do
        local len = C.ngx_http_lua_ffi_errlog_get_msg(line_ptr, level_ptr, err, errlen, time_ptr)
        if len == DONE then
            break
        end
        if len < 0 then
            return nil, ffi_str(err, errlen[0])
        end
        -- copied first: storing into `logs` may run a finalizer that logs a line
        local line = ffi_str(line_ptr[0], len)
        logs[n + 1] = level_ptr[0]
        logs[n + 2] = time_ptr[0]
        logs[n + 3] = line
        n = n + 3
    end
    logs[n + 1] = nil
    return logs
end

return _M
