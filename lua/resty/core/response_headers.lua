-- Response headers: ngx.header.HEADER and ngx.resp.get_headers (ngx.resp.add_header
-- in the ngx.resp module, through set_resp_header).
local ffi = require "ffi"
local base = require "resty.core.base"
local headers = require "resty.core.headers"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local C_FAKE_REQUEST_API = base.C_FAKE_REQUEST_API
local check_status = base.check_status
local get_string_buf = base.get_string_buf
local new_tab = base.new_tab
local check_max = base.check_max
local pairs_table = base.pairs_table
local headers_mt = headers.headers_mt
local error = error
local type = type
local tostring = tostring
local tonumber = tonumber
local ceil = math.ceil
local setmetatable = setmetatable

ffi.cdef[[
int ngx_http_lua_ffi_set_resp_header(ngx_http_request_t *r,
    const char *key_data, size_t key_len, int is_nil,
    const char *sval, size_t sval_len, ngx_http_lua_ffi_str_t *mvals,
    size_t mvals_len, int override, char **errmsg);
int ngx_http_lua_ffi_get_resp_header(ngx_http_request_t *r,
    const unsigned char *key, size_t key_len,
    unsigned char *key_buf, ngx_http_lua_ffi_str_t *values,
    int max_nvalues, char **errmsg);
int nlf_ffi_resp_get_headers(ngx_http_request_t *r, void *buf, size_t *size, int max,
                             int raw, int *truncated);
int nlf_ffi_resp_header_handle(ngx_http_request_t *r, const char *name, size_t len);
int nlf_ffi_resp_header_set(ngx_http_request_t *r, int handle, int is_nil, const char *sval,
                            size_t sval_len, ngx_http_lua_ffi_str_t *mvals, size_t mvals_len,
                            int override, char **errmsg);
int nlf_ffi_resp_header_get(ngx_http_request_t *r, int handle, ngx_http_lua_ffi_str_t *values,
                            int max_nvalues, char **errmsg);
]]

local AGAIN = -2
local DECLINED = -5
local MAX_HEADER_VALUES = 100

local str_array_type = ffi.typeof("ngx_http_lua_ffi_str_t[?]")
local elt_type = ffi.typeof("ngx_http_lua_ffi_table_elt_t[?]")
local ELT_SIZE = ffi.sizeof("ngx_http_lua_ffi_table_elt_t")
local errmsg = base.get_errmsg_ptr()
local size_ptr = ffi_new("size_t[1]")
local truncated = ffi_new("int[1]")

local _M = {
    version = base.version,
}

local got_values = ffi_new(str_array_type, MAX_HEADER_VALUES)

-- name -> handle: each name is resolved once per worker (see response_headers.cpp).
local handles = {}

-- The handle of `key`, or nil when it must be passed by name every time.
local function handle_of(r, key, level)
    local h = C.nlf_ffi_resp_header_handle(r, key, #key)
    if h >= 0 then
        handles[key] = h
        return h
    end
    if h ~= DECLINED then
        check_status(h, r, level)
    end
end

local function get_resp_header(_, key)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    if type(key) ~= "string" then
        key = tostring(key)
    end
    local h = handles[key] or handle_of(r, key, 3)
    local n
    if h then
        n = C.nlf_ffi_resp_header_get(r, h, got_values, MAX_HEADER_VALUES, errmsg)
    else
        local len = #key
        n = C.ngx_http_lua_ffi_get_resp_header(r, key, len, get_string_buf(len), got_values,
                                               MAX_HEADER_VALUES, errmsg)
    end
    if n == 1 then
        local value = ffi_str(got_values[0].data, got_values[0].len)
        return value
    end
    if n == 0 then
        return nil
    end
    if n > 0 then
        local values = new_tab(n, 0)
        for i = 1, n do
            values[i] = ffi_str(got_values[i - 1].data, got_values[i - 1].len)
        end
        return values
    end
    if n == -1 then
        error(ffi_str(errmsg[0]), 2)
    end
    check_status(n, r, 2)
end

local value_text = headers.value_text
local value_array = headers.value_array
local finish_set = headers.finish_set

-- ngx.header.NAME = value (override) and ngx.resp.add_header; errors are raised at
-- `level` above this function.
local function set_resp_header(key, value, override, level)
    local r = get_request()
    if not r then
        error(no_request_msg(), level)
    end
    if type(key) ~= "string" then
        key = tostring(key)
    end
    local is_nil, sval, sval_len, mvals, mvals_len = 0, nil, 0, nil, 0
    if value == nil then
        if not override then
            error("invalid header value", level)
        end
        is_nil = 1
    elseif type(value) == "table" then
        if #value == 0 and not override then
            return  -- ngx.resp.add_header(name, {}) adds nothing, as in OpenResty
        end
        local count_or_bad
        mvals, count_or_bad = value_array(value)
        if not mvals then
            error("bad value for header \"" .. key .. "\": string, number or boolean "
                  .. "expected in the table, got " .. count_or_bad, level)
        end
        mvals_len = count_or_bad
    else
        local bad
        sval, bad = value_text(value)
        if not sval then
            error("bad value for header \"" .. key .. "\": string, number, boolean, table "
                  .. "or nil expected, got " .. bad, level)
        end
        sval_len = #sval
    end
    local h = handles[key] or handle_of(r, key, level + 1)
    local rc
    if h then
        rc = C.nlf_ffi_resp_header_set(r, h, is_nil, sval, sval_len, mvals, mvals_len,
                                       override and 1 or 0, errmsg)
    else
        rc = C.ngx_http_lua_ffi_set_resp_header(r, key, #key, is_nil, sval, sval_len, mvals,
                                                mvals_len, override and 1 or 0, errmsg)
    end
    return finish_set(rc, r, mvals_len, level)
end
_M.set_resp_header = set_resp_header

-- ngx.header is a table whose reads and writes go to the response's header.
ngx.header = setmetatable(new_tab(0, 0), {
    __index = get_resp_header,
    __newindex = function(_, key, value)
        set_resp_header(key, value, true, 3)
    end,
})

local list_cap = 32
local list_buf = ffi_new(elt_type, list_cap)

function ngx.resp.get_headers(max_headers, raw)
    local r = get_request()
    if not r then
        error(no_request_msg(C_FAKE_REQUEST_API), 2)
    end
    max_headers = check_max(max_headers, "get_headers")
    local raw_flag = raw and 1 or 0
    size_ptr[0] = list_cap * ELT_SIZE
    local n = C.nlf_ffi_resp_get_headers(r, list_buf, size_ptr, max_headers, raw_flag,
                                         truncated)
    if n == AGAIN then
        list_cap = ceil(tonumber(size_ptr[0]) / ELT_SIZE)
        list_buf = ffi_new(elt_type, list_cap)
        n = C.nlf_ffi_resp_get_headers(r, list_buf, size_ptr, max_headers, raw_flag,
                                       truncated)
    end
    if n == -1 then
        error("failed to set default content type", 2)
    end
    if n < 0 then
        check_status(n, r, 2)
    end
    local result = pairs_table(list_buf, n)
    if raw_flag == 0 then
        setmetatable(result, headers_mt)
    end
    if truncated[0] ~= 0 then
        return result, "truncated"
    end
    return result
end

return _M
