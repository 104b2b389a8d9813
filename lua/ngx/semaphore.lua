-- The ngx.semaphore module: resources that the coroutines of one worker wait for and
-- post to each other (src/api/semaphore.cpp). A wait that must wait uses the wait
-- protocol of resty.core.base: C queues the waiter and returns AGAIN, we yield, and
-- ask C on resuming whether our turn came or the time ran out.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_gc = ffi.gc
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local wait_for_scheduler = base.wait
local error = error
local setmetatable = setmetatable
local tonumber = tonumber
local type = type
local floor = math.floor

ffi.cdef[[
typedef struct ngx_http_lua_sema_s ngx_http_lua_sema_t;
int ngx_http_lua_ffi_sema_new(ngx_http_lua_sema_t **psem, int n, char **errmsg);
int ngx_http_lua_ffi_sema_post(ngx_http_lua_sema_t *sem, int n);
int ngx_http_lua_ffi_sema_count(ngx_http_lua_sema_t *sem);
int ngx_http_lua_ffi_sema_wait(ngx_http_request_t *r, ngx_http_lua_sema_t *sem, int wait_ms,
    unsigned char *errstr, size_t *errlen);
void ngx_http_lua_ffi_sema_gc(ngx_http_lua_sema_t *sem);
int nlf_ffi_sema_granted(void);
]]

local ERR_BUF_SIZE = 128
-- The largest count and wait (in ms) the C side's int holds.
local MAX_INT = 0x7fffffff

local psem = ffi.new("ngx_http_lua_sema_t *[1]")
local errmsg = base.get_errmsg_ptr()
local errlen = base.get_size_ptr()

local _M = {
    version = base.version,
}
local mt = { __index = _M }

-- A count argument (new's, post's) as the C side's int; errors at the caller's caller.
local function count_arg(n, default, least)
    n = tonumber(n) or default
    if not (n >= least) then  -- NaN too
        error("no negative number", 3)
    end
    if n > MAX_INT then
        error("number too large", 3)
    end
    return floor(n)
end

local function check_self(self)
    if type(self) ~= "table" or type(self.sem) ~= "cdata" then
        error("not a semaphore instance", 3)
    end
end

function _M.new(n)
    n = count_arg(n, 0, 0)
    if C.ngx_http_lua_ffi_sema_new(psem, n, errmsg) ~= 0 then
        return nil, ffi_str(errmsg[0])
    end
    return setmetatable({ sem = ffi_gc(psem[0], C.ngx_http_lua_ffi_sema_gc) }, mt)
end

function _M.post(self, n)
    check_self(self)
    C.ngx_http_lua_ffi_sema_post(self.sem, count_arg(n, 1, 1))
    return true
end

function _M.count(self)
    check_self(self)
    return C.ngx_http_lua_ffi_sema_count(self.sem)
end

function _M.wait(self, seconds)
    check_self(self)
    local r = get_request()
    local t = tonumber(seconds)
    if not t then
        error("bad argument #1 to 'wait' (number expected, got " .. type(seconds) .. ")", 2)
    end
    local ms = floor(t * 1000)
    if not (ms >= 0) then  -- NaN too
        error("no negative number", 2)
    end
    if ms > MAX_INT then
        ms = MAX_INT
    end
    local err = get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    local rc = C.ngx_http_lua_ffi_sema_wait(r, self.sem, ms, err, errlen)
    if rc == 0 then
        return true
    end
    if rc == -5 then
        return nil, "timeout"
    end
    if rc == -1 then
        return nil, ffi_str(err, errlen[0])
    end
    -- `self` stays referenced from this frame while we wait: the semaphore lives on.
    wait_for_scheduler()
    if C.nlf_ffi_sema_granted() == 1 then
        return true
    end
    return false, "timeout"
end

return _M
