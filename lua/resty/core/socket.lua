-- ngx.socket.tcp / ngx.socket.stream: TCP and unix-domain stream cosockets on the
-- wait protocol (src/api/socket.cpp). receive and send are retried after each wait:
-- the C side works out every outcome (data, partial data, timeout, closed) itself.
local ffi = require "ffi"
local base = require "resty.core.base"
local buffer = require "string.buffer"

local C = ffi.C
local ffi_str = ffi.string
local ffi_gc = ffi.gc
local ffi_cast = ffi.cast
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
local wait_for_scheduler = base.wait
local wait_result = base.wait_result
local C_API = base.C_API
local error = error
local type = type
local tostring = tostring
local tonumber = tonumber
local setmetatable = setmetatable
local select = select
local floor = math.floor
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr

ffi.cdef[[
/* OpenResty's name for the struct, so that code binding its ABI (getoption &co) can
   pass a socket's handle */
typedef struct ngx_http_lua_socket_tcp_upstream_s nlf_tcp_socket_t;
typedef struct ngx_http_lua_socket_tcp_upstream_s ngx_http_lua_socket_tcp_upstream_t;
nlf_tcp_socket_t *nlf_ffi_socket_tcp_new(ngx_http_request_t *r, int *status);
void nlf_ffi_socket_tcp_free(nlf_tcp_socket_t *s);
int nlf_ffi_socket_tcp_connect(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char *host, size_t len,
                               int port, const char **err);
int nlf_ffi_socket_tcp_send(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char *data, size_t len,
                            size_t *sent, const char **err);
int nlf_ffi_socket_tcp_receive(ngx_http_request_t *r, nlf_tcp_socket_t *s, int mode, size_t size,
                               const char **data, size_t *len, const char **err);
int nlf_ffi_socket_tcp_close(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char **err);
int nlf_ffi_socket_tcp_check(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char **err);
void nlf_ffi_socket_tcp_settimeouts(nlf_tcp_socket_t *s, long connect_ms, long send_ms, long read_ms);
int nlf_ffi_socket_tcp_connect_turn(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char **err);
int nlf_ffi_socket_tcp_pool_options(nlf_tcp_socket_t *s, const char *name, size_t len, long size, long backlog);
int nlf_ffi_socket_tcp_setkeepalive(ngx_http_request_t *r, nlf_tcp_socket_t *s, long timeout_ms, long size,
                                    const char **err);
int nlf_ffi_socket_tcp_reused(ngx_http_request_t *r, nlf_tcp_socket_t *s, int *times, const char **err);
typedef struct nlf_tcp_pattern_s nlf_tcp_pattern_t;
nlf_tcp_pattern_t *nlf_ffi_socket_tcp_pattern_new(const char *pattern, size_t len, int inclusive);
void nlf_ffi_socket_tcp_pattern_free(nlf_tcp_pattern_t *p);
int nlf_ffi_socket_tcp_receiveuntil(ngx_http_request_t *r, nlf_tcp_socket_t *s, const nlf_tcp_pattern_t *p,
                                    size_t size, const char **data, size_t *len, const char **err);
int nlf_ffi_socket_tcp_bind(ngx_http_request_t *r, nlf_tcp_socket_t *s, const char *addr, size_t len,
                            const char **err);
int ngx_http_lua_ffi_socket_tcp_getoption(ngx_http_lua_socket_tcp_upstream_t *u, int opt, int *val,
                                          unsigned char *err, size_t *errlen);
int ngx_http_lua_ffi_socket_tcp_setoption(ngx_http_lua_socket_tcp_upstream_t *u, int opt, int val,
                                          unsigned char *err, size_t *errlen);
]]

local errmsg = base.get_const_errmsg_ptr()
local status_ptr = ffi.new("int[1]")
local int_ptr = ffi.new("int[1]")
local size_ptr = ffi.new("size_t[1]")
local data_ptr = ffi.new("const char *[1]")
local send_buf = buffer.new(256)
local const_char_ptr = ffi.typeof("const char *")
local FFI_OK, FFI_AGAIN, FFI_BUSY, FFI_DONE = 0, -2, -3, -4
local MODE_LINE, MODE_ALL, MODE_SIZE, MODE_ANY = 0, 1, 2, 3
local MAX_NESTING = 100
local MAX_MS = 0x7fffffff
local OPTION_ERR_SIZE = 256
local option_value = ffi.new("int[1]")
-- lua-resty-core's numbering (ABI)
local option_index = {
    keepalive = 1,
    reuseaddr = 2,
    ["tcp-nodelay"] = 3,
    sndbuf = 4,
    rcvbuf = 5,
}

-- OpenResty's method table, where third-party code finds and extends it.
local mt = {}
mt.__index = mt
debug.getregistry().__tcp_cosocket_mt = mt

local function bad_self(fname, self)
    error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(self) .. ")", 4)
end

local function handle(self, fname)
    if type(self) ~= "table" then
        bad_self(fname, self)
    end
    return self[1]
end

-- The request of the calling code, raising where cosockets are refused.
local function caller(rc, r)
    check_status(rc, r, 3, C_API)
end

-- `value` when the call (close, check) went through, else nil and its error.
local function outcome(rc, r, value)
    if rc ~= FFI_OK then
        check_status(rc, r, 3, C_API)
        return nil, ffi_str(errmsg[0])
    end
    return value
end

local function tcp()
    local r = get_request()
    local s = C.nlf_ffi_socket_tcp_new(r, status_ptr)
    if s == nil then
        local rc = status_ptr[0]
        if r == nil and rc == -100 then
            error(no_request_msg(C_API), 2)
        end
        check_status(rc, r, 2, C_API)
        error("no memory", 2)
    end
    return setmetatable({ ffi_gc(s, C.nlf_ffi_socket_tcp_free) }, mt)
end
ngx.socket = ngx.socket or {}
ngx.socket.tcp = tcp
ngx.socket.stream = tcp

-- connect's options table (argument `argi`): the pool's name, size and backlog.
local function pool_options(s, opts, argi)
    local size = opts.pool_size
    if size ~= nil then
        local n = tonumber(size)
        if n == nil then
            error("bad argument #" .. argi .. " to 'connect' (bad \"pool_size\" option type: "
                  .. type(size) .. ")", 3)
        end
        size = floor(n)
        if size <= 0 then
            error("bad argument #" .. argi .. " to 'connect' (bad \"pool_size\" option value: "
                  .. size .. ")", 3)
        end
    else
        size = 0
    end
    -- a backlog that is not a number is ignored, as in OpenResty
    local backlog = tonumber(opts.backlog)
    if backlog ~= nil then
        backlog = floor(backlog)
        if backlog < 0 then
            error("bad argument #" .. argi .. " to 'connect' (bad \"backlog\" option value: "
                  .. backlog .. ")", 3)
        end
    else
        backlog = -1
    end
    local name = opts.pool
    local t = type(name)
    if t == "number" then
        name = tostring(name)
    elseif t ~= "string" and t ~= "nil" then
        error("bad argument #" .. argi .. " to 'connect' (bad \"pool\" option type: " .. t .. ")", 3)
    end
    local len = name and #name or 0
    if C.nlf_ffi_socket_tcp_pool_options(s, name, len, size, backlog) ~= FFI_OK then
        error("no memory", 3)
    end
end

function mt.connect(self, host, port, opts)
    local s = handle(self, "connect")
    if type(host) ~= "string" then
        error("bad argument #2 to 'connect' (string expected, got " .. type(host) .. ")", 2)
    end
    local p = -1
    if host:sub(1, 5) ~= "unix:" then
        p = tonumber(port)
        if p == nil then
            return nil, "missing the port number"
        end
        p = floor(p)
        if p < 0 or p > 65535 then
            return nil, "bad port number: " .. p
        end
        if type(opts) == "table" then
            pool_options(s, opts, 4)
        end
    elseif type(port) == "table" then
        pool_options(s, port, 3)
    elseif type(opts) == "table" then
        pool_options(s, opts, 4)
    end
    local r = get_request()
    local rc = C.nlf_ffi_socket_tcp_connect(r, s, host, #host, p, errmsg)
    if rc == FFI_BUSY then
        -- queued: the pool's connections are all in use
        wait_for_scheduler()
        rc = C.nlf_ffi_socket_tcp_connect_turn(r, s, errmsg)
    end
    if rc == FFI_AGAIN then
        wait_for_scheduler()
        local err
        rc, err = wait_result()
        if rc ~= FFI_OK then
            return nil, err
        end
        return 1
    end
    if rc ~= FFI_OK then
        caller(rc, r)
        return nil, ffi_str(errmsg[0])
    end
    return 1
end

-- ngx.socket.connect: a socket and its connect in one call.
local function connect(...)
    local n = select("#", ...)
    if n < 1 or n > 3 then
        error("ngx.socket connect: expecting 2, 3, or 4 arguments (including the object), but seen "
              .. (n + 1), 2)
    end
    local sock = tcp()
    local ok, err = sock:connect(...)
    if not ok then
        return nil, err
    end
    return sock
end
ngx.socket.connect = connect

function mt.bind(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("expecting 2 arguments, but got " .. n, 2)
    end
    local self, addr = ...
    local s = handle(self, "bind")
    local t = type(addr)
    if t == "number" then
        addr = tostring(addr)
    elseif t ~= "string" then
        error("bad argument #2 to 'bind' (string expected, got " .. t .. ")", 2)
    end
    local r = get_request()
    return outcome(C.nlf_ffi_socket_tcp_bind(r, s, addr, #addr, errmsg), r, 1)
end

-- lua-resty-core's number of `option`, or nil and why not.
local function option_number(option)
    if option == nil then
        return nil, 'missing the "option" argument'
    end
    local index = option_index[option]
    if index == nil then
        return nil, "unsupported option " .. tostring(option)
    end
    return index
end

local function option_call(fn, s, index, value, result)
    local err = get_string_buf(OPTION_ERR_SIZE)
    local errlen = get_size_ptr()
    errlen[0] = OPTION_ERR_SIZE
    if fn(s, index, value, err, errlen) ~= FFI_OK then
        return nil, ffi_str(err, errlen[0])
    end
    return result or tonumber(option_value[0])
end

function mt.getoption(self, option)
    local s = handle(self, "getoption")
    local index, err = option_number(option)
    if index == nil then
        return nil, err
    end
    return option_call(C.ngx_http_lua_ffi_socket_tcp_getoption, s, index, option_value)
end

function mt.setoption(self, option, value)
    local s = handle(self, "setoption")
    if option ~= nil and value == nil then
        return nil, 'missing the "value" argument'
    end
    local index, err = option_number(option)
    if index == nil then
        return nil, err
    end
    return option_call(C.ngx_http_lua_ffi_socket_tcp_setoption, s, index, value, true)
end

local function put_value(buf, v, depth)
    local t = type(v)
    if t == "string" or t == "number" then
        buf:put(v)
        return true
    end
    if t ~= "table" or depth > MAX_NESTING then
        return false
    end
    for i = 1, #v do
        if not put_value(buf, v[i], depth + 1) then
            return false
        end
    end
    return true
end

local function send_bytes(r, s, data, n)
    local p = ffi_cast(const_char_ptr, data)
    local off = 0
    while off < n do
        local rc = C.nlf_ffi_socket_tcp_send(r, s, p + off, n - off, size_ptr, errmsg)
        if rc == FFI_OK then
            off = off + tonumber(size_ptr[0])
        elseif rc == FFI_AGAIN then
            wait_for_scheduler()
        else
            caller(rc, r)
            return nil, ffi_str(errmsg[0])
        end
    end
    return n
end

function mt.send(self, data)
    local s = handle(self, "send")
    local r = get_request()
    local t = type(data)
    if t == "string" then
        return send_bytes(r, s, data, #data)
    end
    if t == "number" then
        data = tostring(data)
        return send_bytes(r, s, data, #data)
    end
    send_buf:reset()
    if t ~= "table" or not put_value(send_buf, data, 1) then
        error("bad argument #2 to 'send' (string, number, boolean, nil, or array table expected, got "
              .. t .. ")", 2)
    end
    local p, n = send_buf:ref()
    -- send_buf may be reused by another thread while this one waits: keep a copy
    local copy = ffi_str(p, n)
    send_buf:reset()
    return send_bytes(r, s, copy, n)
end

local function receive_with(r, s, mode, size)
    while true do
        local rc = C.nlf_ffi_socket_tcp_receive(r, s, mode, size, data_ptr, size_ptr, errmsg)
        if rc == FFI_OK then
            return ffi_str(data_ptr[0], size_ptr[0])
        end
        if rc == FFI_AGAIN then
            wait_for_scheduler()
        else
            caller(rc, r)
            return nil, ffi_str(errmsg[0]), ffi_str(data_ptr[0], size_ptr[0])
        end
    end
end

function mt.receive(self, pattern)
    local s = handle(self, "receive")
    local r = get_request()
    if pattern == nil or pattern == "*l" then
        return receive_with(r, s, MODE_LINE, 0)
    end
    if pattern == "*a" then
        return receive_with(r, s, MODE_ALL, 0)
    end
    local n = tonumber(pattern)
    if n == nil then
        if type(pattern) == "string" then
            error("bad pattern argument: " .. pattern, 2)
        end
        error("bad argument #2 to 'receive' (string expected, got " .. type(pattern) .. ")", 2)
    end
    n = floor(n)
    if n < 0 then
        error("bad pattern argument: " .. tostring(pattern), 2)
    end
    if n == 0 then
        return outcome(C.nlf_ffi_socket_tcp_check(r, s, errmsg), r, "")
    end
    return receive_with(r, s, MODE_SIZE, n)
end

function mt.receiveuntil(self, pattern, opts)
    local s = handle(self, "receiveuntil")
    local t = type(pattern)
    if t == "number" then
        pattern = tostring(pattern)
    elseif t ~= "string" then
        error("bad argument #2 to 'receiveuntil' (string expected, got " .. t .. ")", 2)
    end
    if #pattern == 0 then
        return nil, "pattern is empty"
    end
    local inclusive = 0
    if opts ~= nil then
        if type(opts) ~= "table" then
            error("bad argument #3 to 'receiveuntil' (table expected, got " .. type(opts) .. ")", 2)
        end
        local v = opts.inclusive
        if v ~= nil and type(v) ~= "boolean" then
            error("bad \"inclusive\" option value type: " .. type(v), 2)
        end
        if v then
            inclusive = 1
        end
    end
    local p = C.nlf_ffi_socket_tcp_pattern_new(pattern, #pattern, inclusive)
    if p == nil then
        error("no memory", 2)
    end
    p = ffi_gc(p, C.nlf_ffi_socket_tcp_pattern_free)
    -- with a size: the call after the one that reached the pattern returns nil
    local found = false
    return function(size, extra)
        if extra ~= nil then
            error("expecting 0 or 1 arguments, but seen 2", 2)
        end
        local limit = 0
        if size ~= nil then
            local n = tonumber(size)
            if n == nil then
                error("bad argument #1 to '?' (number expected, got " .. type(size) .. ")", 2)
            end
            if n > 0 then
                limit = floor(n)
            end
        end
        if found then
            found = false
            return nil, nil, nil
        end
        local r = get_request()
        while true do
            local rc = C.nlf_ffi_socket_tcp_receiveuntil(r, s, p, limit, data_ptr, size_ptr, errmsg)
            if rc == FFI_DONE then
                found = limit > 0
                return ffi_str(data_ptr[0], size_ptr[0])
            end
            if rc == FFI_OK then
                return ffi_str(data_ptr[0], size_ptr[0])
            end
            if rc == FFI_AGAIN then
                wait_for_scheduler()
            else
                caller(rc, r)
                return nil, ffi_str(errmsg[0]), ffi_str(data_ptr[0], size_ptr[0])
            end
        end
    end
end

function mt.receiveany(self, max)
    local s = handle(self, "receiveany")
    local n = tonumber(max)
    if n == nil or n < 1 then
        error("bad argument #2 to 'receiveany' (bad max argument)", 2)
    end
    return receive_with(get_request(), s, MODE_ANY, floor(n))
end

local function timeout_ms(v, argi, fname)
    if v == nil then
        return -1
    end
    local ms = tonumber(v)
    if ms == nil then
        error("bad argument #" .. argi .. " to '" .. fname .. "' (number expected, got " .. type(v) .. ")", 3)
    end
    ms = floor(ms)
    if ms < 0 or ms > MAX_MS then
        error("bad timeout value", 3)
    end
    return ms
end

function mt.settimeout(self, ms)
    local s = handle(self, "settimeout")
    local t = timeout_ms(ms, 2, "settimeout")
    C.nlf_ffi_socket_tcp_settimeouts(s, t, t, t)
end

function mt.settimeouts(self, connect_ms, send_ms, read_ms)
    local s = handle(self, "settimeouts")
    C.nlf_ffi_socket_tcp_settimeouts(s, timeout_ms(connect_ms, 2, "settimeouts"),
                                     timeout_ms(send_ms, 3, "settimeouts"),
                                     timeout_ms(read_ms, 4, "settimeouts"))
end

function mt.close(self)
    local s = handle(self, "close")
    local r = get_request()
    return outcome(C.nlf_ffi_socket_tcp_close(r, s, errmsg), r, 1)
end

function mt.getreusedtimes(self)
    local s = handle(self, "getreusedtimes")
    local r = get_request()
    local rc = C.nlf_ffi_socket_tcp_reused(r, s, int_ptr, errmsg)
    return outcome(rc, r, int_ptr[0])
end

function mt.setkeepalive(self, timeout, size)
    local s = handle(self, "setkeepalive")
    local ms = timeout_ms(timeout, 2, "setkeepalive")
    local n = 0
    if size ~= nil then
        n = tonumber(size)
        if n == nil then
            error("bad argument #3 to 'setkeepalive' (number expected, got " .. type(size) .. ")", 2)
        end
        n = floor(n)
        if n <= 0 then
            error("bad argument #3 to 'setkeepalive' (bad \"pool_size\" option value: " .. n .. ")", 2)
        end
    end
    local r = get_request()
    return outcome(C.nlf_ffi_socket_tcp_setkeepalive(r, s, ms, n, errmsg), r, 1)
end

return {
    version = base.version,
}
