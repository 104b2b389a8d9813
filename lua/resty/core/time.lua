-- ngx.now, ngx.time, ngx.update_time, ngx.today, ngx.localtime, ngx.utctime,
-- ngx.http_time, ngx.cookie_time, ngx.parse_http_time, ngx.req.start_time and
-- resty.core.time's monotonic clock.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local error = error
local tonumber = tonumber
local type = type
local get_request = base.get_request

ffi.cdef[[
double ngx_http_lua_ffi_now(void);
long ngx_http_lua_ffi_time(void);
long ngx_http_lua_ffi_monotonic_msec(void);
void ngx_http_lua_ffi_today(unsigned char *buf);
void ngx_http_lua_ffi_localtime(unsigned char *buf);
void ngx_http_lua_ffi_utctime(unsigned char *buf);
void ngx_http_lua_ffi_update_time(void);
int ngx_http_lua_ffi_cookie_time(unsigned char *buf, long t);
void ngx_http_lua_ffi_http_time(unsigned char *buf, long t);
void ngx_http_lua_ffi_parse_http_time(const unsigned char *str, size_t len, long *time);
double ngx_http_lua_ffi_req_start_time(ngx_http_request_t *r);

typedef struct { long sec; uintptr_t msec; } nlf_cached_time_t;
const nlf_cached_time_t **nlf_ffi_cached_time(void);
size_t nlf_ffi_http_time(unsigned char *buf, long t);
size_t nlf_ffi_cookie_time(unsigned char *buf, long t);
double nlf_ffi_parse_http_time(const unsigned char *str, size_t len);
]]

-- Room for any date (years past 9999 have more digits): http_time::max_length.
local DATE_BUF_SIZE = 48
local date_buf = ffi_new("unsigned char[?]", DATE_BUF_SIZE)

-- nginx's current cached time, read in place: what ngx_http_lua_ffi_now and _time
-- return, without a call. (A compiled loop may keep what it read until it calls C,
-- ngx.update_time among others: nginx moves its clock only between Lua's runs or in
-- such calls.)
local cached_time = C.nlf_ffi_cached_time()

local function time_now()
    return tonumber(cached_time[0].sec)
end

function ngx.now()
    local tp = cached_time[0]
    return tonumber(tp.sec) + tonumber(tp.msec) / 1000
end

ngx.time = time_now

function ngx.update_time()
    C.ngx_http_lua_ffi_update_time()
end

-- ngx.today, ngx.localtime and ngx.utctime format nginx's cached clock, which moves on a
-- second at a time: each keeps the string it made for the current second, as nginx
-- keeps its own formatted times (the UTC offset changes only with the second).
local function per_second(format, len)
    local last_sec, last_str
    return function()
        local sec = time_now()
        if sec ~= last_sec then
            format(date_buf)
            last_str = ffi_str(date_buf, len)
            last_sec = sec
        end
        return last_str
    end
end

ngx.today = per_second(C.ngx_http_lua_ffi_today, 10)
ngx.localtime = per_second(C.ngx_http_lua_ffi_localtime, 19)
ngx.utctime = per_second(C.ngx_http_lua_ffi_utctime, 19)

-- Servers format the same second over and over (ngx.http_time(ngx.time())): the last
-- result is kept.
local last_http_sec, last_http_time

function ngx.http_time(sec)
    if type(sec) ~= "number" then
        error("number argument only", 2)
    end
    if sec ~= last_http_sec then
        last_http_time = ffi_str(date_buf, C.nlf_ffi_http_time(date_buf, sec))
        last_http_sec = sec
    end
    return last_http_time
end

function ngx.cookie_time(sec)
    if type(sec) ~= "number" then
        error("number argument only", 2)
    end
    return ffi_str(date_buf, C.nlf_ffi_cookie_time(date_buf, sec))
end

function ngx.parse_http_time(str)
    if type(str) ~= "string" then
        error("string argument only", 2)
    end
    local t = C.nlf_ffi_parse_http_time(str, #str)
    if t == -1 then
        return nil
    end
    return t
end

local req = ngx.req
if not req then
    req = {}
    ngx.req = req
end

function req.start_time()
    local r = get_request()
    if not r then
        error("no request found", 2)
    end
    return C.ngx_http_lua_ffi_req_start_time(r)
end

local function monotonic_msec()
    return tonumber(C.ngx_http_lua_ffi_monotonic_msec())
end

local function monotonic_time()
    return tonumber(C.ngx_http_lua_ffi_monotonic_msec()) / 1000
end

return {
    version = base.version,
    monotonic_msec = monotonic_msec,
    monotonic_time = monotonic_time,
}
