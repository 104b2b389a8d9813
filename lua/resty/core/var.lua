-- ngx.var: nginx variables. Each name is resolved once per worker into a handle
-- (see src/http/api/var.cpp); reads and writes then pass the handle.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local check_status = base.check_status
local get_string_buf = base.get_string_buf
local error = error
local type = type
local tostring = tostring
local setmetatable = setmetatable

ffi.cdef[[
int nlf_ffi_var_handle(ngx_http_request_t *r, const char *name, size_t len);
int nlf_ffi_var_get(ngx_http_request_t *r, int handle, const unsigned char **value,
                    size_t *len);
int nlf_ffi_var_set(ngx_http_request_t *r, int handle, const char *value, size_t len,
                    int clear, unsigned char *errbuf, size_t *errlen);
int nlf_ffi_var_capture(ngx_http_request_t *r, int n, const unsigned char **value,
                        size_t *len);

int ngx_http_lua_ffi_var_get(ngx_http_request_t *r,
    const char *name_data, size_t name_len, char *lowcase_buf,
    int capture_id, char **value, size_t *value_len, char **err);

int ngx_http_lua_ffi_var_set(ngx_http_request_t *r,
    const unsigned char *name_data, size_t name_len,
    unsigned char *lowcase_buf, const unsigned char *value,
    size_t value_len, unsigned char *errbuf, size_t *errlen);
]]

local ERR_BUF_SIZE = 256
local OK = 0
local DECLINED = -5
local NOT_CACHED = -5  -- from nlf_ffi_var_handle: the handle table is full

local value_ptr = ffi_new("const unsigned char *[1]")
local abi_value_ptr = ffi_new("char *[1]")
local len_ptr = ffi_new("size_t[1]")
local errlen = ffi_new("size_t[1]")
local errmsg = base.get_errmsg_ptr()

-- name -> handle, for every name asked for in this worker.
local handles = {}

-- The handle of `name`, or nil when it must be looked up by name every time.
local function handle_of(r, name)
    local h = C.nlf_ffi_var_handle(r, name, #name)
    if h >= 0 then
        handles[name] = h
        return h
    end
    if h ~= NOT_CACHED then
        check_status(h, r, 3)
    end
end

local function get_by_name(r, name)
    local len = #name
    local rc = C.ngx_http_lua_ffi_var_get(r, name, len, get_string_buf(len), 0,
                                          abi_value_ptr, len_ptr, errmsg)
    if rc == OK then
        local value = ffi_str(abi_value_ptr[0], len_ptr[0])
        return value
    end
    if rc ~= DECLINED then
        error(ffi_str(errmsg[0]), 3)
    end
end

local function var_get(_, name)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local h = handles[name]
    if not h then
        local t = type(name)
        if t == "number" then
            local rc = C.nlf_ffi_var_capture(r, name, value_ptr, len_ptr)
            if rc == OK then
                local value = ffi_str(value_ptr[0], len_ptr[0])
                return value
            end
            if rc ~= DECLINED then
                check_status(rc, r, 2)
            end
            return nil
        end
        if t ~= "string" then
            error("bad variable name", 2)
        end
        h = handle_of(r, name)
        if not h then
            local value = get_by_name(r, name)
            return value
        end
    end
    local rc = C.nlf_ffi_var_get(r, h, value_ptr, len_ptr)
    if rc == OK then
        local value = ffi_str(value_ptr[0], len_ptr[0])
        return value
    end
    if rc ~= DECLINED then
        check_status(rc, r, 2)
    end
    return nil
end

local function var_set(_, name, value)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    if type(name) ~= "string" then
        error("bad variable name", 2)
    end
    local clear = 0
    if value == nil then
        clear = 1
        value = ""
    else
        local t = type(value)
        if t == "number" or t == "boolean" then
            value = tostring(value)
        elseif t ~= "string" then
            error("bad value for ngx.var." .. name .. " (string, number, boolean or nil "
                  .. "expected, got " .. t .. ")", 2)
        end
    end
    local h = handles[name] or handle_of(r, name)
    local errbuf = get_string_buf(#name + ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    local rc
    if h then
        rc = C.nlf_ffi_var_set(r, h, value, #value, clear, errbuf, errlen)
    else
        local lowcase = errbuf + ERR_BUF_SIZE
        rc = C.ngx_http_lua_ffi_var_set(r, name, #name, lowcase, clear == 0 and value or nil,
                                        #value, errbuf, errlen)
    end
    if rc == OK then
        return
    end
    if rc == -1 then
        error(ffi_str(errbuf, errlen[0]), 2)
    end
    check_status(rc, r, 2)
end

ngx.var = setmetatable({}, { __index = var_get, __newindex = var_set })

return {
    version = base.version,
}
