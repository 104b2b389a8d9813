-- The ngx.resp module: add_header and set_status.
local ffi = require "ffi"
local base = require "resty.core.base"
local response_headers = require "resty.core.response_headers"

local C = ffi.C
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local check_status = base.check_status
local set_resp_header = response_headers.set_resp_header
local error = error
local type = type
local tonumber = tonumber
local tostring = tostring

ffi.cdef[[
int ngx_http_lua_ffi_set_resp_status_and_reason(ngx_http_request_t *r,
    int status, const char *reason, size_t reason_len);
]]

local _M = {
    version = base.version,
}

-- Adds the value(s) to the header's; a builtin single-valued header (Content-Type,
-- Location, ...) is replaced instead, unlike nginx's add_header directive.
function _M.add_header(key, value)
    set_resp_header(key, value, false, 3)
end

-- The status, and the reason phrase of the status line when `reason` is given.
function _M.set_status(status, reason)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local n = type(status) == "number" and status or tonumber(status)
    if not n then
        error("bad argument #1 to 'set_status' (number expected, got " .. type(status) .. ")", 2)
    end
    if reason ~= nil and type(reason) ~= "string" then
        error("bad argument #2 to 'set_status' (string expected, got " .. type(reason) .. ")", 2)
    end
    local rc = -1
    if n >= 100 and n < 1000 then  -- the int conversion drops a fraction, as OpenResty's
        rc = C.ngx_http_lua_ffi_set_resp_status_and_reason(r, n, reason, reason and #reason or 0)
    end
    if rc == -1 then
        error("invalid HTTP status code " .. tostring(status), 2)
    end
    check_status(rc, r, 2)
end

return _M
