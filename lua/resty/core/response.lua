-- ngx.status and ngx.headers_sent.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local error = error
local type = type
local tonumber = tonumber
local tostring = tostring

ffi.cdef[[
int ngx_http_lua_ffi_get_resp_status(ngx_http_request_t *r);
int ngx_http_lua_ffi_set_resp_status(ngx_http_request_t *r, int r);
int ngx_http_lua_ffi_headers_sent(ngx_http_request_t *r);
]]

-- Getters and setters of ngx's magic keys run below ngx's __index/__newindex,
-- so the user's code is at level 3.
local function get_status()
    local r = get_request()
    if not r then
        error(no_request_msg(), 3)
    end
    local status = C.ngx_http_lua_ffi_get_resp_status(r)
    if status == -100 then
        error("no request ctx found", 3)
    end
    return status
end

local function set_status(status)
    local r = get_request()
    if not r then
        error(no_request_msg(), 3)
    end
    local n = type(status) == "number" and status or tonumber(status)
    if not n then
        error("bad value for ngx.status (number expected, got " .. type(status) .. ")", 3)
    end
    -- Checked here too: the FFI conversion to int would wrap huge numbers into range.
    -- It drops a fraction, as OpenResty's does ("201.7" sets 201).
    local rc = (n >= 100 and n < 1000) and C.ngx_http_lua_ffi_set_resp_status(r, n) or -1
    if rc == -1 then
        error("invalid HTTP status code " .. tostring(status), 3)
    end
    if rc == -100 then
        error("no request ctx found", 3)
    end
end

local function get_headers_sent()
    local r = get_request()
    if not r then
        error(no_request_msg(), 3)
    end
    local sent = C.ngx_http_lua_ffi_headers_sent(r)
    if sent == -100 then
        error("no request ctx found", 3)
    end
    return sent == 1
end

base.register_getter("status", get_status)
base.register_setter("status", set_status)
base.register_getter("headers_sent", get_headers_sent)

return {
    version = base.version,
}
