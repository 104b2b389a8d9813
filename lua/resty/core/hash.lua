-- ngx.md5, ngx.md5_bin, ngx.sha1_bin, ngx.hmac_sha1, ngx.crc32_short, ngx.crc32_long.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local check_string = base.check_string
local ffi_new = ffi.new
local ffi_str = ffi.string
local error = error
local select = select
local tostring = tostring
local type = type

ffi.cdef[[
void ngx_http_lua_ffi_md5_bin(const unsigned char *src, size_t len, unsigned char *dst);
void ngx_http_lua_ffi_md5(const unsigned char *src, size_t len, unsigned char *dst);
int ngx_http_lua_ffi_sha1_bin(const unsigned char *src, size_t len, unsigned char *dst);
unsigned int ngx_http_lua_ffi_crc32_long(const unsigned char *src, size_t len);
unsigned int ngx_http_lua_ffi_crc32_short(const unsigned char *src, size_t len);

void nlf_ffi_hmac_sha1(const unsigned char *key, size_t key_len, const unsigned char *src,
                       size_t len, unsigned char *dst);
]]

local MD5_LEN = 16
local SHA1_LEN = 20
local digest_buf = ffi_new("unsigned char[?]", 2 * MD5_LEN)

-- nil and false hash as "", anything else as tostring gives it, as in OpenResty.
local function to_string(s)
    if type(s) == "string" then
        return s
    end
    if not s then
        return ""
    end
    return tostring(s)
end

function ngx.md5_bin(s)
    s = to_string(s)
    C.ngx_http_lua_ffi_md5_bin(s, #s, digest_buf)
    return ffi_str(digest_buf, MD5_LEN)
end

function ngx.md5(s)
    s = to_string(s)
    C.ngx_http_lua_ffi_md5(s, #s, digest_buf)
    return ffi_str(digest_buf, 2 * MD5_LEN)
end

function ngx.sha1_bin(s)
    s = to_string(s)
    C.ngx_http_lua_ffi_sha1_bin(s, #s, digest_buf)
    return ffi_str(digest_buf, SHA1_LEN)
end

-- Of fixed arity, so that it is compiled on its own: see output.lua's output_string.
-- Tail-called by ngx.hmac_sha1.
local function hmac_sha1(key, s)
    key = check_string(key, 1, "hmac_sha1")
    s = check_string(s, 2, "hmac_sha1")
    C.nlf_ffi_hmac_sha1(key, #key, s, #s, digest_buf)
    return ffi_str(digest_buf, SHA1_LEN)
end

function ngx.hmac_sha1(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("expecting 2 arguments, but got " .. n, 2)
    end
    return hmac_sha1(...)
end

function ngx.crc32_short(s)
    s = to_string(s)
    return C.ngx_http_lua_ffi_crc32_short(s, #s)
end

function ngx.crc32_long(s)
    s = to_string(s)
    return C.ngx_http_lua_ffi_crc32_long(s, #s)
end

return {
    version = base.version,
}
