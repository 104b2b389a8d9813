-- Request headers: ngx.req.get_headers, set_header, clear_header (and add_header of
-- the ngx.req module, through set_req_header).
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local check_status = base.check_status
local new_tab = base.new_tab
local clear_tab = base.clear_tab
local copy_result = base.copy_result
local pairs_table = base.pairs_table
local check_max = base.check_max
local error = error
local type = type
local tostring = tostring
local rawget = rawget
local setmetatable = setmetatable
local str_lower = string.lower
local str_gsub = string.gsub
local ngx_req = ngx.req

ffi.cdef[[
int nlf_ffi_req_get_headers(ngx_http_request_t *r, ngx_http_lua_ffi_table_elt_t *out,
                            int capacity, int max, int raw, int *truncated,
                            uint64_t *stamp, void *shapes);
int ngx_http_lua_ffi_req_get_headers_count(ngx_http_request_t *r,
    int max, int *truncated);
int ngx_http_lua_ffi_req_get_headers(ngx_http_request_t *r,
    ngx_http_lua_ffi_table_elt_t *out, int count, int raw);
int ngx_http_lua_ffi_req_set_header(ngx_http_request_t *r,
    const unsigned char *key, size_t key_len, const unsigned char *value,
    size_t value_len, ngx_http_lua_ffi_str_t *mvals, size_t mvals_len,
    int override, char **errmsg);
]]

local OK = 0
local DECLINED = -5

local elt_type = ffi.typeof("ngx_http_lua_ffi_table_elt_t[?]")
local str_array_type = ffi.typeof("ngx_http_lua_ffi_str_t[?]")
local truncated = ffi_new("int[1]")
local errmsg = base.get_errmsg_ptr()

local _M = {
    version = base.version,
}

-- Finds "user_agent" as "user-agent" in tables with lower-cased names.
local headers_mt = {
    __index = function(t, key)
        if type(key) == "string" then
            local value = rawget(t, (str_gsub(str_lower(key), "_", "-")))
            return value
        end
    end,
}
_M.headers_mt = headers_mt

local pairs_cap = 32
local pairs_buf = ffi_new(elt_type, pairs_cap)

-- A request often reads its headers several times: from the second call on with the
-- same headers (the C side's stamp says so) and arguments, the table built is kept
-- and each call gets a copy of it.
local stamp = ffi_new("uint64_t[1]")
local shapes = base.new_shapes()
local shapes_buf = shapes.buf
local kept, kept_arrays, kept_truncated
local last_max, last_raw

local function list_headers(r, max, raw_flag)
    local n = C.nlf_ffi_req_get_headers(r, pairs_buf, pairs_cap, max, raw_flag, truncated, stamp,
                                        shapes_buf)
    if n > pairs_cap then
        pairs_cap = n
        pairs_buf = ffi_new(elt_type, pairs_cap)
        stamp[0] = 0
        n = C.nlf_ffi_req_get_headers(r, pairs_buf, pairs_cap, max, raw_flag, truncated, stamp,
                                      shapes_buf)
    end
    return n
end

function ngx_req.get_headers(max_headers, raw)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    max_headers = check_max(max_headers, "get_headers")
    local raw_flag = raw and 1 or 0
    if max_headers ~= last_max or raw_flag ~= last_raw then
        stamp[0] = 0
        last_max, last_raw = max_headers, raw_flag
    end
    local n = list_headers(r, max_headers, raw_flag)
    local headers, keep
    if n == DECLINED then
        if kept then
            headers = copy_result(kept, kept_arrays)
            truncated[0] = kept_truncated
        else
            keep = true
            stamp[0] = 0
            n = list_headers(r, max_headers, raw_flag)
        end
    else
        kept = nil
    end
    if not headers then
        if n < 0 then
            check_status(n, r, 2)
        end
        local arrays
        headers, arrays = pairs_table(pairs_buf, n, shapes)
        if keep then
            kept, kept_arrays, kept_truncated = copy_result(headers, arrays), arrays, truncated[0]
        end
    end
    if raw_flag == 0 then
        setmetatable(headers, headers_mt)
    end
    if truncated[0] ~= 0 then
        return headers, "truncated"
    end
    return headers
end

local values_cap = 8
local values_buf = ffi_new(str_array_type, values_cap)
-- The strings made from non-string values, alive until the C call returns.
local made = new_tab(8, 0)

-- The text of a header value, or nil and the type refused.
local function value_text(v)
    local t = type(v)
    if t == "string" then
        return v
    end
    if t == "number" or t == "boolean" then
        local value = tostring(v)
        return value
    end
    return nil, t
end
_M.value_text = value_text

-- Lays out the array `value` of header values (request or response) for the FFI:
-- returns the C array and its length, or nil and the type of the first value that is
-- not a string, number or boolean. release_values ends the layout's lifetime.
local function value_array(value)
    local n = #value
    if n > values_cap then
        values_cap = n
        values_buf = ffi_new(str_array_type, values_cap)
    end
    for i = 1, n do
        local s, bad = value_text(value[i])
        if not s then
            clear_tab(made)
            return nil, bad
        end
        made[i] = s
        values_buf[i - 1].data = s
        values_buf[i - 1].len = #s
    end
    return values_buf, n
end
_M.value_array = value_array

local function release_values(n)
    if n > 0 then
        clear_tab(made)
    end
end

-- Ends a header setter (request or response) after its FFI call `rc`: releases the
-- layout of `n_values` values and raises the C side's error at `level` above the
-- setter, which tail-calls this.
local function finish_set(rc, r, n_values, level)
    release_values(n_values)
    if rc == OK or rc == DECLINED then
        return
    end
    if rc == -1 then
        error(ffi_str(errmsg[0]), level)
    end
    check_status(rc, r, level)
end
_M.finish_set = finish_set

-- ngx.req.set_header (override) and the ngx.req module's add_header; errors are
-- raised at `level` above this function.
local function set_req_header(name, value, override, level)
    local r = get_request()
    if not r then
        error(no_request_msg(), level)
    end
    if name == nil then
        error("bad 'name' argument: string expected, got nil", level)
    end
    if type(name) ~= "string" then
        name = tostring(name)
    end
    local sval, sval_len, mvals, mvals_len = nil, 0, nil, 0
    if value == nil then
        if not override then
            error("bad 'value' argument: string or table expected, got nil", level)
        end
    elseif type(value) == "table" then
        if #value == 0 and not override then
            error("bad 'value' argument: non-empty table expected", level)
        end
        local count_or_bad
        mvals, count_or_bad = value_array(value)
        if not mvals then
            error("bad 'value' argument: string, number or boolean expected in the "
                  .. "table, got " .. count_or_bad, level)
        end
        mvals_len = count_or_bad
    else
        local bad
        sval, bad = value_text(value)
        if not sval then
            error("bad 'value' argument: string, number, boolean, table or nil expected, "
                  .. "got " .. bad, level)
        end
        sval_len = #sval
    end
    local rc = C.ngx_http_lua_ffi_req_set_header(r, name, #name, sval, sval_len, mvals,
                                                 mvals_len, override and 1 or 0, errmsg)
    return finish_set(rc, r, mvals_len, level)
end
_M.set_req_header = set_req_header

function ngx_req.set_header(name, value)
    set_req_header(name, value, true, 3)
end

function ngx_req.clear_header(name)
    set_req_header(name, nil, true, 3)
end

return _M
