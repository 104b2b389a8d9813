-- ngx.escape_uri, ngx.unescape_uri.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local error = error
local tostring = tostring
local type = type
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size

ffi.cdef[[
size_t ngx_http_lua_ffi_uri_escaped_length(const unsigned char *src, size_t len, int type);
void ngx_http_lua_ffi_escape_uri(const unsigned char *src, size_t len, unsigned char *dst,
                                 int type);
size_t ngx_http_lua_ffi_unescape_uri(const unsigned char *src, size_t len, unsigned char *dst);

size_t nlf_ffi_escape_uri(const unsigned char *src, size_t len, unsigned char *dst, size_t cap,
                          int type);
]]

local ESCAPE_URI_COMPONENT = 2
local MAX_TYPE = 7  -- see core/pure/escape.hpp

function ngx.escape_uri(s, esc_type)
    if type(s) ~= "string" then
        s = s and tostring(s) or ""
    end
    if esc_type == nil then
        esc_type = ESCAPE_URI_COMPONENT
    elseif type(esc_type) ~= "number" then
        error('"esc_type" is not number', 2)
    elseif esc_type < 0 or esc_type > MAX_TYPE then
        error('"esc_type" ' .. esc_type .. " out of range", 2)
    end
    local len = #s
    local cap = get_string_buf_size()
    local dst = get_string_buf(cap)
    -- One call when the result fits the scratch buffer, a second with a larger one.
    local n = C.nlf_ffi_escape_uri(s, len, dst, cap, esc_type)
    if n == len then
        return s
    end
    if n > cap then
        dst = get_string_buf(n)
        C.ngx_http_lua_ffi_escape_uri(s, len, dst, esc_type)
    end
    return ffi_str(dst, n)
end

function ngx.unescape_uri(s)
    if type(s) ~= "string" then
        s = s and tostring(s) or ""
    end
    local len = #s
    local dst = get_string_buf(len)
    return ffi_str(dst, C.ngx_http_lua_ffi_unescape_uri(s, len, dst))
end

return {
    version = base.version,
}
