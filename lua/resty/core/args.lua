-- Query arguments and the URI: ngx.req.get_uri_args, set_uri_args, set_uri,
-- ngx.encode_args and ngx.decode_args.
local ffi = require "ffi"
local base = require "resty.core.base"
local buffer = require "string.buffer"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local SET_URI_ARGS_API = base.C_FAKE_REQUEST_API
local disabled_msg = base.disabled_msg
local check_status = base.check_status
local get_string_buf = base.get_string_buf
local copy_result = base.copy_result
local clear_tab = base.clear_tab
local pairs_table = base.pairs_table
local check_max = base.check_max
local check_string = base.check_string
local wait_for_scheduler = base.wait
local error = error
local pairs = pairs
local type = type
local tostring = tostring
local tonumber = tonumber
local ceil = math.ceil
local ngx_req = ngx.req

ffi.cdef[[
int nlf_ffi_req_get_uri_args(ngx_http_request_t *r, void *buf, size_t *size, int max,
                             int *truncated, uint64_t *stamp, void *shapes);
int nlf_ffi_decode_args(const char *args, size_t len, void *buf, size_t *size, int max,
                        int *truncated, void *shapes);
size_t nlf_ffi_escape_uri_component(const char *src, size_t len, unsigned char *dst);
int nlf_ffi_req_set_uri_args(ngx_http_request_t *r, const char *args, size_t len);
int nlf_ffi_req_set_uri(ngx_http_request_t *r, const char *uri, size_t len, int jump, int binary,
                        char *err, size_t *errlen);

int ngx_http_lua_ffi_req_get_uri_args_count(ngx_http_request_t *r,
    int max, int *truncated);
size_t ngx_http_lua_ffi_req_get_querystring_len(ngx_http_request_t *r);
int ngx_http_lua_ffi_req_get_uri_args(ngx_http_request_t *r,
    unsigned char *buf, ngx_http_lua_ffi_table_elt_t *out, int count);
]]

local OK = 0
local AGAIN = -2
local DECLINED = -5
local REWRITE = 0x2
local SERVER_REWRITE = 0x8000
local ERR_BUF_SIZE = 256

local elt_type = ffi.typeof("ngx_http_lua_ffi_table_elt_t[?]")
local ELT_SIZE = ffi.sizeof("ngx_http_lua_ffi_table_elt_t")
local size_ptr = ffi_new("size_t[1]")
local truncated = ffi_new("int[1]")
local encode_buf = buffer.new(256)

-- The decoding buffer: pairs, then the text they point into (see args.cpp).
local decode_cap = 64
local decode_buf = ffi_new(elt_type, decode_cap)

local function grow_decode_buf(bytes)
    decode_cap = ceil(tonumber(bytes) / ELT_SIZE)
    decode_buf = ffi_new(elt_type, decode_cap)
end

local uri_shapes = base.new_shapes()
local uri_shapes_buf = uri_shapes.buf
local decode_shapes = base.new_shapes()
local decode_shapes_buf = decode_shapes.buf

-- A request often reads its arguments several times: from the second call on with
-- the same query string (the C side's stamp says so) and limit, the table built is
-- kept and each call gets a copy of it.
local stamp = ffi_new("uint64_t[1]")
local kept, kept_arrays, kept_truncated
local last_max

local function decode_uri_args(r, max)
    size_ptr[0] = decode_cap * ELT_SIZE
    local n = C.nlf_ffi_req_get_uri_args(r, decode_buf, size_ptr, max, truncated, stamp,
                                         uri_shapes_buf)
    if n == AGAIN then
        grow_decode_buf(size_ptr[0])
        n = C.nlf_ffi_req_get_uri_args(r, decode_buf, size_ptr, max, truncated, stamp,
                                       uri_shapes_buf)
    end
    return n
end

-- Into `tab`, cleared first, when the caller gives a table to reuse (lua-resty-core
-- 0.1.31); the arguments are those of `args`.
local function fill(tab, args)
    clear_tab(tab)
    for k, v in pairs(args) do
        tab[k] = v
    end
    return tab
end

function ngx_req.get_uri_args(max_args, tab)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    local max = check_max(max_args, "get_uri_args")
    if tab ~= nil and type(tab) ~= "table" then
        error("bad argument #2 to 'get_uri_args' (table expected, got " .. type(tab) .. ")", 2)
    end
    if max ~= last_max then
        stamp[0] = 0
        last_max = max
    end
    local n = decode_uri_args(r, max)
    local args, keep
    if n == DECLINED then
        if kept then
            args = copy_result(kept, kept_arrays)
            truncated[0] = kept_truncated
        else
            keep = true
            stamp[0] = 0
            n = decode_uri_args(r, max)
        end
    else
        kept = nil
    end
    if not args then
        if n < 0 then
            check_status(n, r, 2)
        end
        local arrays
        args, arrays = pairs_table(decode_buf, n, uri_shapes)
        if keep then
            kept, kept_arrays, kept_truncated = copy_result(args, arrays), arrays, truncated[0]
        end
    end
    if tab then
        args = fill(tab, args)
    end
    if truncated[0] ~= 0 then
        return args, "truncated"
    end
    return args
end

function ngx.decode_args(str, max_args)
    str = check_string(str, 1, "decode_args")
    local max = max_args
    if max == nil then
        max = -1
    elseif type(max) ~= "number" then
        error("bad argument #2 to 'decode_args' (number expected, got " .. type(max) .. ")", 2)
    end
    size_ptr[0] = decode_cap * ELT_SIZE
    local n = C.nlf_ffi_decode_args(str, #str, decode_buf, size_ptr, max, truncated,
                                    decode_shapes_buf)
    if n == AGAIN then
        grow_decode_buf(size_ptr[0])
        n = C.nlf_ffi_decode_args(str, #str, decode_buf, size_ptr, max, truncated,
                                  decode_shapes_buf)
    end
    local args = pairs_table(decode_buf, n, decode_shapes)
    if truncated[0] ~= 0 then
        return args, "truncated"
    end
    return args
end

local function put_escaped(s)
    local len = #s
    local dst = encode_buf:reserve(3 * len)
    encode_buf:commit(C.nlf_ffi_escape_uri_component(s, len, dst))
end

-- One "key[=value]" of the query string, or nothing for a false value.
local function put_arg(key, value, level)
    local t = type(value)
    if t == "boolean" then
        if not value then
            return
        end
        if #encode_buf > 0 then
            encode_buf:put("&")
        end
        put_escaped(key)
        return
    end
    if t ~= "string" and t ~= "number" then
        error("attempt to use " .. t .. " as query arg value", level + 1)
    end
    if #encode_buf > 0 then
        encode_buf:put("&")
    end
    put_escaped(key)
    encode_buf:put("=")
    put_escaped(tostring(value))
end

-- The query string for a table of arguments; errors at `level` above the caller.
local function encode_args(args, level)
    encode_buf:reset()
    for key, value in pairs(args) do
        if type(key) ~= "string" then
            error("attempt to use a non-string key in the \"args\" option table", level + 1)
        end
        if type(value) == "table" then
            for i = 1, #value do
                put_arg(key, value[i], level + 1)
            end
        else
            put_arg(key, value, level + 1)
        end
    end
    local s = encode_buf:tostring()
    return s
end

function ngx.encode_args(args)
    if type(args) ~= "table" then
        error("bad argument #1 to 'encode_args' (table expected, got " .. type(args) .. ")", 2)
    end
    local s = encode_args(args, 2)
    return s
end

function ngx_req.set_uri_args(args)
    local r = get_request()
    if not r then
        error(no_request_msg(SET_URI_ARGS_API), 2)
    end
    local t = type(args)
    if t == "table" then
        args = encode_args(args, 2)
    elseif t == "number" then
        args = tostring(args)
    elseif t ~= "string" then
        error("bad argument #1 to 'set_uri_args' (string, number, or table expected, got "
              .. t .. ")", 2)
    end
    local rc = C.nlf_ffi_req_set_uri_args(r, args, #args)
    if rc == -1 then
        error("no memory", 2)
    end
    check_status(rc, r, 2)
end

local function check_flag(v, argi)
    if v ~= nil and type(v) ~= "boolean" then
        error("bad argument #" .. argi .. " to 'set_uri' (boolean expected, got " .. type(v)
              .. ")", 3)
    end
end

function ngx_req.set_uri(uri, jump, binary)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    uri = check_string(uri, 1, "set_uri")
    if #uri == 0 then
        error("attempt to use zero-length uri", 2)
    end
    check_flag(jump, 2)
    check_flag(binary, 3)
    if jump then
        local phase = C.ngx_http_lua_ffi_get_phase(r, base.get_errmsg_ptr())
        if phase ~= REWRITE and phase ~= SERVER_REWRITE then
            error(disabled_msg(r, base.C_API), 2)
        end
    end
    local err = get_string_buf(ERR_BUF_SIZE)
    size_ptr[0] = ERR_BUF_SIZE
    local rc = C.nlf_ffi_req_set_uri(r, uri, #uri, jump and 1 or 0, binary and 1 or 0, err, size_ptr)
    if rc == OK then
        if jump then
            -- The handler ends: nginx searches the locations again for the new URI.
            return wait_for_scheduler()
        end
        return
    end
    if rc == -1 then
        error(ffi_str(err, size_ptr[0]), 2)
    end
    check_status(rc, r, 2)
end

return {
    version = base.version,
}
