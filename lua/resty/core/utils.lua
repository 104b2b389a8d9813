-- resty.core.utils.str_replace_char, and ngx.quote_sql_str.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_copy = ffi.copy
local ffi_str = ffi.string
local byte = string.byte
local find = string.find
local error = error
local select = select
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size
local check_string = base.check_string

ffi.cdef[[
void ngx_http_lua_ffi_str_replace_char(unsigned char *buf, size_t len, const unsigned char find,
                                       const unsigned char replace);

size_t nlf_ffi_quote_sql_str(const unsigned char *src, size_t len, unsigned char *dst, size_t cap);
]]

local _M = {
    version = base.version,
}

-- Replaces every byte `find` of `str` with `replace` (both one-character strings).
function _M.str_replace_char(str, find_char, replace_char)
    if not find(str, find_char, 1, true) then
        return str
    end
    local len = #str
    local buf = get_string_buf(len)
    ffi_copy(buf, str, len)
    C.ngx_http_lua_ffi_str_replace_char(buf, len, byte(find_char), byte(replace_char))
    return ffi_str(buf, len)
end

-- Of fixed arity, so that it is compiled on its own: see output.lua's output_string.
-- Tail-called by ngx.quote_sql_str.
local function quote_sql_str(s)
    s = check_string(s, 1, "quote_sql_str")
    local cap = get_string_buf_size()
    local dst = get_string_buf(cap)
    local n = C.nlf_ffi_quote_sql_str(s, #s, dst, cap)
    if n > cap then
        dst = get_string_buf(n)
        C.nlf_ffi_quote_sql_str(s, #s, dst, n)
    end
    return ffi_str(dst, n)
end

function ngx.quote_sql_str(...)
    if select("#", ...) ~= 1 then
        error("expecting one argument", 2)
    end
    return quote_sql_str(...)
end

return _M
