-- ngx.arg: the arguments of set_by_lua*, and the chunk (ngx.arg[1]) and end flag
-- (ngx.arg[2]) of body_filter_by_lua*.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local disabled_msg = base.disabled_msg
local no_request_msg = base.no_request_msg
local C_API = base.C_API
local get_string_buf = base.get_string_buf
local error = error
local type = type
local tostring = tostring
local concat = table.concat
local setmetatable = setmetatable

ffi.cdef[[
void ngx_http_lua_ffi_get_setby_param(ngx_http_request_t *r, int idx, unsigned char **data,
                                      size_t *len);
int nlf_ffi_get_setby_param(ngx_http_request_t *r, int idx, const unsigned char **data,
                            size_t *len);
int ngx_http_lua_ffi_get_body_filter_param_eof(ngx_http_request_t *r);
int ngx_http_lua_ffi_get_body_filter_param_body(ngx_http_request_t *r, unsigned char **data_p,
                                                size_t *len_p);
int ngx_http_lua_ffi_copy_body_filter_param_body(ngx_http_request_t *r, unsigned char *data);
int nlf_ffi_set_body_filter_param(ngx_http_request_t *r, int idx, const void *data, size_t len,
                                  int flag);
]]

local SET, BODY_FILTER = 0x1, 0x40
local errmsg = base.get_errmsg_ptr()
local const_data = ffi_new("const unsigned char *[1]")
local data = ffi_new("unsigned char *[1]")
local size = base.get_size_ptr()

local function body_chunk(r)
    local rc = C.ngx_http_lua_ffi_get_body_filter_param_body(r, data, size)
    if rc == -2 then
        local buf = get_string_buf(size[0])
        C.ngx_http_lua_ffi_copy_body_filter_param_body(r, buf)
        return ffi_str(buf, size[0])
    end
    if size[0] == 0 then
        return ""
    end
    return ffi_str(data[0], size[0])
end

local mt = {}

function mt.__index(_, idx)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local context = C.ngx_http_lua_ffi_get_phase(r, errmsg)
    if context == SET then
        if type(idx) ~= "number" or C.nlf_ffi_get_setby_param(r, idx, const_data, size) ~= 0 then
            return nil
        end
        return ffi_str(const_data[0], size[0])
    end
    if context == BODY_FILTER then
        if idx == 1 then
            return body_chunk(r)
        end
        if idx == 2 then
            return C.ngx_http_lua_ffi_get_body_filter_param_eof(r) == 1
        end
        return nil
    end
    error(disabled_msg(r), 2)
end

function mt.__newindex(_, idx, value)
    -- OpenResty's ngx.arg setter is a C function: it names the context.
    local r = get_request()
    if not r then
        error(no_request_msg(C_API), 2)
    end
    if C.ngx_http_lua_ffi_get_phase(r, errmsg) ~= BODY_FILTER then
        error(disabled_msg(r, C_API), 2)
    end
    if idx == 2 then
        C.nlf_ffi_set_body_filter_param(r, 2, nil, 0, value and 1 or 0)
        return
    end
    if idx ~= 1 then
        error("bad index for ngx.arg: " .. tostring(idx) .. " (1 or 2 expected)", 2)
    end
    local t = type(value)
    if t == "nil" then
        value = ""
    elseif t == "number" then
        value = tostring(value)
    elseif t == "table" then
        local ok, joined = pcall(concat, value)
        if not ok then
            error("bad value for ngx.arg[1]: the table must hold strings and numbers only", 2)
        end
        value = joined
    elseif t ~= "string" then
        error("bad value for ngx.arg[1] (string, number, table or nil expected, got " .. t .. ")", 2)
    end
    if C.nlf_ffi_set_body_filter_param(r, 1, value, #value, 0) ~= 0 then
        error("no memory", 2)
    end
end

ngx.arg = setmetatable({}, mt)

return {
    version = base.version,
}
