-- The request line and header as received: ngx.req.get_method, set_method,
-- http_version, raw_header, is_internal, and ngx.is_subrequest.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local C_FAKE_REQUEST_API = base.C_FAKE_REQUEST_API
local check_status = base.check_status
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size
local error = error
local type = type
local ngx_req = ngx.req

ffi.cdef[[
int ngx_http_lua_ffi_req_get_method(ngx_http_request_t *r);
int ngx_http_lua_ffi_req_get_method_name(ngx_http_request_t *r,
    unsigned char **name, size_t *len);
int ngx_http_lua_ffi_req_set_method(ngx_http_request_t *r, int method);
int ngx_http_lua_ffi_req_is_internal(ngx_http_request_t *r);
int ngx_http_lua_ffi_is_subrequest(ngx_http_request_t *r);
int nlf_ffi_req_http_version(ngx_http_request_t *r);
int nlf_ffi_req_raw_header(ngx_http_request_t *r, int no_request_line,
                           unsigned char *buf, size_t *size, const char **err);
]]

local OK = 0
local AGAIN = -2
local DECLINED = -5

local methods = {
    [0x0002] = "GET",
    [0x0004] = "HEAD",
    [0x0008] = "POST",
    [0x0010] = "PUT",
    [0x0020] = "DELETE",
    [0x0040] = "MKCOL",
    [0x0080] = "COPY",
    [0x0100] = "MOVE",
    [0x0200] = "OPTIONS",
    [0x0400] = "PROPFIND",
    [0x0800] = "PROPPATCH",
    [0x1000] = "LOCK",
    [0x2000] = "UNLOCK",
    [0x4000] = "PATCH",
    [0x8000] = "TRACE",
}

local versions = {
    [9] = 0.9,
    [1000] = 1.0,
    [1001] = 1.1,
    [2000] = 2.0,
    [3000] = 3.0,
}

local name_ptr = ffi_new("unsigned char *[1]")
local size_ptr = ffi_new("size_t[1]")
local const_errmsg = base.get_const_errmsg_ptr()

function ngx_req.get_method()
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local id = C.ngx_http_lua_ffi_req_get_method(r)
    local name = methods[id]
    if name then
        return name
    end
    check_status(id, r, 2)
    C.ngx_http_lua_ffi_req_get_method_name(r, name_ptr, size_ptr)
    local value = ffi_str(name_ptr[0], size_ptr[0])
    return value
end

function ngx_req.set_method(method)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    if type(method) ~= "number" then
        error("bad method number", 2)
    end
    local rc = C.ngx_http_lua_ffi_req_set_method(r, method)
    if rc == OK then
        return
    end
    if rc == DECLINED then
        error("unsupported HTTP method: " .. method, 2)
    end
    check_status(rc, r, 2)
end

function ngx_req.http_version()
    local r = get_request()
    if not r then
        error(no_request_msg(C_FAKE_REQUEST_API), 2)
    end
    local v = C.nlf_ffi_req_http_version(r)
    if v < 0 then
        check_status(v, r, 2)
    end
    return versions[v]
end

function ngx_req.raw_header(no_request_line)
    local r = get_request()
    if not r then
        error(no_request_msg(C_FAKE_REQUEST_API), 2)
    end
    local flag = no_request_line and 1 or 0
    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    size_ptr[0] = size
    local rc = C.nlf_ffi_req_raw_header(r, flag, buf, size_ptr, const_errmsg)
    if rc == AGAIN then
        buf = get_string_buf(size_ptr[0])
        rc = C.nlf_ffi_req_raw_header(r, flag, buf, size_ptr, const_errmsg)
    end
    if rc == OK then
        local value = ffi_str(buf, size_ptr[0])
        return value
    end
    if rc == -1 then
        error(ffi_str(const_errmsg[0]), 2)
    end
    check_status(rc, r, 2)
end

function ngx_req.is_internal()
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local rc = C.ngx_http_lua_ffi_req_is_internal(r)
    if rc < 0 then
        check_status(rc, r, 2)
    end
    return rc == 1
end

-- A getter of `ngx`: the user's code is three levels up.
base.register_getter("is_subrequest", function()
    local r = get_request()
    if not r then
        error(no_request_msg(), 3)
    end
    local rc = C.ngx_http_lua_ffi_is_subrequest(r)
    if rc < 0 then
        check_status(rc, r, 3)
    end
    return rc == 1
end)

return {
    version = base.version,
}
