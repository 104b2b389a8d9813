-- The ngx.balancer module: balancer_by_lua* code picks the peer of each try
-- (src/http/api/balancer.cpp). Outside that phase the functions return nil and
-- OpenResty's "API disabled in the current context".
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local error = error
local type = type
local tonumber = tonumber

ffi.cdef[[
int ngx_http_lua_ffi_balancer_set_current_peer(ngx_http_request_t *r,
    const unsigned char *addr, size_t addr_len, int port,
    const unsigned char *host, ssize_t host_len, char **err);
int ngx_http_lua_ffi_balancer_enable_keepalive(ngx_http_request_t *r,
    unsigned long timeout, unsigned int max_requests, char **err);
int ngx_http_lua_ffi_balancer_set_more_tries(ngx_http_request_t *r, int count,
    char **err);
int ngx_http_lua_ffi_balancer_get_last_failure(ngx_http_request_t *r,
    int *status, char **err);
int ngx_http_lua_ffi_balancer_set_timeouts(ngx_http_request_t *r,
    long connect_timeout, long send_timeout, long read_timeout, char **err);
int ngx_http_lua_ffi_balancer_recreate_request(ngx_http_request_t *r,
    char **err);
int ngx_http_lua_ffi_balancer_set_upstream_tls(ngx_http_request_t *r, int on,
    char **err);
int ngx_http_lua_ffi_balancer_bind_to_local_addr(ngx_http_request_t *r,
    const unsigned char *addr, size_t addr_len, unsigned char *errbuf,
    size_t *errbuf_size);
]]

local FFI_OK = 0
local FFI_ERROR = -1
local errmsg = base.get_errmsg_ptr()
local int_out = ffi.new("int[1]")
local ERR_BUF_SIZE = 128
local DEFAULT_KEEPALIVE_IDLE_TIMEOUT = 60  -- seconds
local DEFAULT_KEEPALIVE_MAX_REQUESTS = 100
local peer_state_names = {
    [1] = "keepalive",
    [2] = "next",
    [4] = "failed",
}

local _M = { version = base.version }

function _M.set_current_peer(addr, port, host)
    local r = get_request()
    if not r then
        error("no request found")
    end
    if not port then
        port = 0
    elseif type(port) ~= "number" then
        port = tonumber(port)
    end
    if host ~= nil and type(host) ~= "string" then
        error("bad host arg: string expected", 2)
    end
    local rc = C.ngx_http_lua_ffi_balancer_set_current_peer(r, addr, #addr, port,
                                                            host, host and #host or 0,
                                                            errmsg)
    if rc == FFI_OK then
        return true
    end
    return nil, ffi_str(errmsg[0])
end

-- One of enable_keepalive's optional numbers: `default` for nil.
local function keepalive_arg(value, default, argn)
    if not value then
        return default
    end
    if type(value) ~= "number" then
        error("bad argument #" .. argn .. " to 'enable_keepalive' (number expected, got "
              .. type(value) .. ")", 3)
    end
    if value < 0 then
        error("bad argument #" .. argn .. " to 'enable_keepalive' (expected >= 0)", 3)
    end
    return value
end

function _M.enable_keepalive(idle_timeout, max_requests)
    local r = get_request()
    if not r then
        error("no request found")
    end
    local rc = C.ngx_http_lua_ffi_balancer_enable_keepalive(r,
        keepalive_arg(idle_timeout, DEFAULT_KEEPALIVE_IDLE_TIMEOUT, 1) * 1000,
        keepalive_arg(max_requests, DEFAULT_KEEPALIVE_MAX_REQUESTS, 2), errmsg)
    if rc == FFI_OK then
        return true
    end
    return nil, ffi_str(errmsg[0])
end

function _M.set_more_tries(count)
    local r = get_request()
    if not r then
        error("no request found")
    end
    local rc = C.ngx_http_lua_ffi_balancer_set_more_tries(r, count, errmsg)
    if rc == FFI_OK then
        if errmsg[0] == nil then
            return true
        end
        return true, ffi_str(errmsg[0])  -- a warning: fewer tries than asked
    end
    return nil, ffi_str(errmsg[0])
end

function _M.get_last_failure()
    local r = get_request()
    if not r then
        error("no request found")
    end
    local state = C.ngx_http_lua_ffi_balancer_get_last_failure(r, int_out, errmsg)
    if state == 0 then
        return nil
    end
    if state == FFI_ERROR then
        return nil, nil, ffi_str(errmsg[0])
    end
    return peer_state_names[state] or "unknown", int_out[0]
end

-- A timeout in seconds as the C side's ms; nil: unchanged (0).
local function timeout_ms(t, what)
    if not t then
        return 0
    end
    if type(t) ~= "number" or t <= 0 then
        error(what, 3)
    end
    return t * 1000
end

function _M.set_timeouts(connect_timeout, send_timeout, read_timeout)
    local r = get_request()
    if not r then
        error("no request found")
    end
    local rc = C.ngx_http_lua_ffi_balancer_set_timeouts(r,
        timeout_ms(connect_timeout, "bad connect timeout"),
        timeout_ms(send_timeout, "bad send timeout"),
        timeout_ms(read_timeout, "bad read timeout"), errmsg)
    if rc == FFI_OK then
        return true
    end
    return false, ffi_str(errmsg[0])
end

function _M.recreate_request()
    local r = get_request()
    if not r then
        error("no request found")
    end
    local rc = C.ngx_http_lua_ffi_balancer_recreate_request(r, errmsg)
    if rc == FFI_OK then
        return true
    end
    if errmsg[0] ~= nil then
        return nil, ffi_str(errmsg[0])
    end
    return nil, "failed to recreate the upstream request"
end

function _M.set_upstream_tls(on)
    local r = get_request()
    if not r then
        error("no request found")
    end
    local rc = C.ngx_http_lua_ffi_balancer_set_upstream_tls(r,
        (on == 0 or on == false) and 0 or 1, errmsg)
    if rc == FFI_OK then
        return true
    end
    return nil, ffi_str(errmsg[0])
end

function _M.bind_to_local_addr(addr)
    local r = get_request()
    if not r then
        error("no request found")
    end
    if type(addr) ~= "string" then
        error("bad addr arg: string expected", 2)
    end
    local errbuf = get_string_buf(ERR_BUF_SIZE)
    local sizep = get_size_ptr()
    sizep[0] = ERR_BUF_SIZE
    local rc = C.ngx_http_lua_ffi_balancer_bind_to_local_addr(r, addr, #addr, errbuf, sizep)
    if rc == FFI_OK then
        return true
    end
    return nil, ffi_str(errbuf, sizep[0])
end

return _M
