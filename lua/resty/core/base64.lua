-- ngx.encode_base64, ngx.decode_base64, ngx.decode_base64mime.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local error = error
local floor = math.floor
local tostring = tostring
local type = type
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr

ffi.cdef[[
size_t ngx_http_lua_ffi_encode_base64(const unsigned char *src, size_t len, unsigned char *dst,
                                      int no_padding);
int ngx_http_lua_ffi_decode_base64(const unsigned char *src, size_t len, unsigned char *dst,
                                   size_t *dlen);
int ngx_http_lua_ffi_decode_base64mime(const unsigned char *src, size_t len, unsigned char *dst,
                                       size_t *dlen);

size_t nlf_ffi_base64_encode(const unsigned char *src, size_t len, unsigned char *dst, int url,
                             int padding);
int nlf_ffi_base64_decode(const unsigned char *src, size_t len, unsigned char *dst, size_t *dlen,
                          int mode);
]]

local DECODE_STANDARD = 0
local DECODE_URL = 1
local DECODE_MIME = 2

local function encoded_length(len, padding)
    if padding then
        return floor((len + 2) / 3) * 4
    end
    return floor((len * 8 + 5) / 6)
end

local function decoded_length(len)
    return floor((len + 3) / 4) * 3
end

-- The encoder and decoder ngx.base64 shares.
local function encode(s, url, padding)
    local dst = get_string_buf(encoded_length(#s, padding))
    local n = C.nlf_ffi_base64_encode(s, #s, dst, url and 1 or 0, padding and 1 or 0)
    return ffi_str(dst, n)
end

local function decode(s, mode)
    local dst = get_string_buf(decoded_length(#s))
    local dlen = get_size_ptr()
    if C.nlf_ffi_base64_decode(s, #s, dst, dlen, mode) == 0 then
        return nil
    end
    return ffi_str(dst, dlen[0])
end

function ngx.encode_base64(s, no_padding)
    if type(s) ~= "string" then
        s = s and tostring(s) or ""
    end
    if no_padding and no_padding ~= true then
        error("bad no_padding: boolean expected, got " .. type(no_padding), 2)
    end
    return encode(s, false, not no_padding)
end

function ngx.decode_base64(s)
    if type(s) ~= "string" then
        error("string argument only", 2)
    end
    return decode(s, DECODE_STANDARD)
end

function ngx.decode_base64mime(s)
    if type(s) ~= "string" then
        error("string argument only", 2)
    end
    return decode(s, DECODE_MIME)
end

return {
    version = base.version,
    encode = encode,
    decode = decode,
    DECODE_URL = DECODE_URL,
    DECODE_MIME = DECODE_MIME,
}
