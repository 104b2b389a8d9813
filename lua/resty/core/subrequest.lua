-- ngx.location.capture and ngx.location.capture_multi: the options are checked and
-- flattened into C structs here, one FFI call starts the subrequests and the wait
-- (src/http/api/subrequest.cpp), and once every subrequest has ended the results are
-- read back into the tables OpenResty returns.
local ffi = require "ffi"
local base = require "resty.core.base"
require "resty.core.ctx"
require "resty.core.args"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
local wait_for_scheduler = base.wait
local new_tab = base.new_tab
local clear_tab = base.clear_tab
local pairs_table = base.pairs_table
local ref_in_table = base.ref_in_table
local encode_args = ngx.encode_args
local registry = debug.getregistry()
local error = error
local pairs = pairs
local select = select
local tostring = tostring
local type = type
local unpack = unpack

ffi.cdef[[
typedef struct {
    const unsigned char *uri;
    size_t uri_len;
    const unsigned char *args;
    size_t args_len;
    const unsigned char *body;
    size_t body_len;
    const ngx_http_lua_ffi_table_elt_t *vars;
    int nvars;
    const ngx_http_lua_ffi_table_elt_t *headers;
    int nheaders;
    int method;
    int flags;
    int ctx_ref;
} nlf_capture_spec_t;

int nlf_ffi_capture(ngx_http_request_t *r, nlf_capture_spec_t *specs, int n,
                    void **batch, unsigned char *err, size_t *errlen);
int nlf_ffi_capture_result(void *batch, int i, int *status, int *truncated,
                           const unsigned char **body, size_t *body_len, int *nheaders,
                           double *content_length);
int nlf_ffi_capture_headers(void *batch, int i, ngx_http_lua_ffi_table_elt_t *out,
                            int *nlist, unsigned char *time_buf);
void nlf_ffi_capture_free_body(void *batch, int i);
]]

-- ngx_lua names the context; without a request it says "no request object found".
local CAPTURE_API = base.C_OBJECT_API
local GET = ngx.HTTP_GET
local SHARE_ALL_VARS = 1
local COPY_ALL_VARS = 2
local ALWAYS_FORWARD_BODY = 4
local LUA_NOREF = -2
local ERR_BUF_SIZE = 512

local spec_type = ffi.typeof("nlf_capture_spec_t[?]")
local pair_type = ffi.typeof("ngx_http_lua_ffi_table_elt_t[?]")
local specs_cap = 4
local specs = ffi_new(spec_type, specs_cap)
-- The vars and headers of every subrequest of a call, one after the other.
local pairs_cap = 16
local option_pairs = ffi_new(pair_type, pairs_cap)
local header_pairs_cap = 16
local header_pairs = ffi_new(pair_type, header_pairs_cap)
-- Strings made here that the specs point at: kept alive until C has copied them.
local anchors = new_tab(16, 0)
local ctx_tables = new_tab(4, 0)
local vars_offsets = new_tab(4, 0)
local headers_offsets = new_tab(4, 0)

local batch_ptr = ffi_new("void *[1]")
local int_out = ffi_new("int[4]")
local body_ptr = ffi_new("const unsigned char *[1]")
local size_out = ffi_new("size_t[1]")
local length_out = ffi_new("double[1]")
local time_buf = ffi_new("unsigned char[32]")
local errlen = base.get_size_ptr()

local function grow_pairs(needed)
    if needed <= pairs_cap then
        return
    end
    local old = option_pairs
    local cap = pairs_cap * 2
    while cap < needed do
        cap = cap * 2
    end
    option_pairs = ffi_new(pair_type, cap)
    ffi.copy(option_pairs, old, pairs_cap * ffi.sizeof("ngx_http_lua_ffi_table_elt_t"))
    pairs_cap = cap
end

local function put_pair(n, key, value)
    grow_pairs(n + 1)
    local pair = option_pairs[n]
    pair.key.data = key
    pair.key.len = #key
    pair.value.data = value
    pair.value.len = #value
    return n + 1
end

-- A string option value as the C API's lua_tolstring takes it (numbers too).
local function text(v)
    if type(v) == "number" then
        v = tostring(v)
        anchors[#anchors + 1] = v
    end
    return v
end

-- Puts the "vars" table's entries from pair slot `n` on; returns the next free slot.
local function put_vars(vars, n)
    for key, value in pairs(vars) do
        if type(key) ~= "string" then
            error("attempt to use a non-string key in the \"vars\" option table", 4)
        end
        local vt = type(value)
        if vt ~= "string" and vt ~= "number" then
            error("attempt to use bad variable value type " .. vt, 4)
        end
        n = put_pair(n, key, text(value))
    end
    return n
end

local function put_headers(headers, n)
    for key, value in pairs(headers) do
        if type(key) ~= "string" then
            error("attempt to use a non-string key in the \"headers\" option table", 4)
        end
        local vt = type(value)
        if vt == "table" then
            for i = 1, #value do
                local one = value[i]
                local ot = type(one)
                if ot ~= "string" and ot ~= "number" then
                    error("attempt to use bad header value type " .. ot, 4)
                end
                n = put_pair(n, key, text(one))
            end
        elseif vt == "string" or vt == "number" then
            n = put_pair(n, key, text(value))
        else
            error("attempt to use bad header value type " .. vt, 4)
        end
    end
    return n
end

-- Fills spec `i` (0-based) from `uri` and `opts` (`nargs` of them given); `n` is the
-- first free pair slot. Returns the next one and where this spec's vars and headers
-- start: the pairs array may still grow, so the pointers are set at the end. Errors
-- are raised at level 3 (the user's code, for the API function that called this).
local function fill_spec(spec, i, uri, opts, nargs, n)
    local method = GET
    local flags = 0
    local args, body, ctx
    local vars_at, vars_end, headers_at, headers_end = n, n, n, n
    if nargs == 2 then
        if type(opts) ~= "table" then
            error("expecting table as the 2nd argument for subrequest " .. i
                  .. ", but got " .. type(opts), 3)
        end
        args = opts.args
        local t = type(args)
        if t == "table" then
            args = encode_args(args)
            anchors[#anchors + 1] = args
        elseif t == "number" then
            args = text(args)
        elseif t ~= "string" and t ~= "nil" then
            error("Bad args option value", 3)
        end
        local vars = opts.vars
        t = type(vars)
        if t == "table" then
            n = put_vars(vars, n)
            vars_end = n
        elseif t ~= "nil" then
            error("Bad vars option value", 3)
        end
        local share = opts.share_all_vars
        t = type(share)
        if t == "boolean" then
            if share then
                flags = flags + SHARE_ALL_VARS
            end
        elseif t ~= "nil" then
            error("Bad share_all_vars option value", 3)
        end
        local copy = opts.copy_all_vars
        t = type(copy)
        if t == "boolean" then
            if copy then
                flags = flags + COPY_ALL_VARS
            end
        elseif t ~= "nil" then
            error("Bad copy_all_vars option value", 3)
        end
        if opts.always_forward_body then
            flags = flags + ALWAYS_FORWARD_BODY
        end
        local m = opts.method
        t = type(m)
        if t == "number" then
            method = m
        elseif t ~= "nil" then
            error("Bad http request method", 3)
        end
        ctx = opts.ctx
        t = type(ctx)
        if t ~= "nil" and t ~= "table" then
            error("Bad ctx option value type " .. t .. ", expected a Lua table", 3)
        end
        body = opts.body
        t = type(body)
        if t == "number" then
            body = text(body)
        elseif t ~= "nil" and t ~= "string" then
            error("Bad http request body", 3)
        end
        local headers = opts.headers
        t = type(headers)
        headers_at = n
        if t == "table" then
            n = put_headers(headers, n)
        elseif t ~= "nil" then
            error("Bad headers option value type " .. t .. ", expected a Lua table", 3)
        end
        headers_end = n
    end
    local t = type(uri)
    if t == "number" then
        uri = text(uri)
    elseif t ~= "string" then
        error("bad argument #1 to 'capture' (string expected, got " .. t .. ")", 3)
    end
    spec.uri = uri
    spec.uri_len = #uri
    spec.args = args
    spec.args_len = args and #args or 0
    spec.body = body
    spec.body_len = body and #body or 0
    spec.nvars = vars_end - vars_at
    spec.nheaders = headers_end - headers_at
    spec.method = method
    spec.flags = flags
    ctx_tables[i + 1] = ctx or false
    vars_offsets[i + 1] = vars_at
    headers_offsets[i + 1] = headers_at
    return n
end

-- The specs are complete: their pointers into the pairs and their ctx slots (taken
-- only now, as nothing can fail before C takes them).
local function finish_specs(n)
    local ctxs = registry.ngx_lua_ctx_tables
    for i = 1, n do
        local spec = specs[i - 1]
        spec.vars = option_pairs + vars_offsets[i]
        spec.headers = option_pairs + headers_offsets[i]
        local ctx = ctx_tables[i]
        spec.ctx_ref = ctx and ref_in_table(ctxs, ctx) or LUA_NOREF
    end
end

-- The slots of ctx tables that C did not take (it marks those it took).
local function release_ctx_refs(n)
    local ctxs = registry.ngx_lua_ctx_tables
    for i = 0, n - 1 do
        local ref = specs[i].ctx_ref
        if ref >= 0 then
            ctxs[ref] = ctxs[0] or 0
            ctxs[0] = ref
        end
    end
end

-- The table of subrequest `i`'s response header fields.
local function header_table(batch, i, count)
    if count > header_pairs_cap then
        header_pairs_cap = count
        header_pairs = ffi_new(pair_type, count)
    end
    local n = C.nlf_ffi_capture_headers(batch, i, header_pairs, int_out, time_buf)
    local nlist = int_out[0]
    local header = pairs_table(header_pairs, nlist)
    for j = nlist, n - 1 do
        local pair = header_pairs[j]
        header[ffi_str(pair.key.data, pair.key.len)] = ffi_str(pair.value.data, pair.value.len)
    end
    local length = length_out[0]
    if length >= 0 then
        header["Content-Length"] = length
    end
    return header
end

local function result(batch, i)
    C.nlf_ffi_capture_result(batch, i, int_out, int_out + 1, body_ptr, size_out, int_out + 2,
                             length_out)
    local res = new_tab(0, 4)
    res.status = int_out[0]
    res.truncated = int_out[1] ~= 0
    local len = size_out[0]
    res.body = len > 0 and ffi_str(body_ptr[0], len) or ""
    res.header = header_table(batch, i, int_out[2])
    C.nlf_ffi_capture_free_body(batch, i)
    return res
end

local function reserve_specs(n)
    if n > specs_cap then
        specs_cap = n
        specs = ffi_new(spec_type, n)
    end
    clear_tab(anchors)
end

-- Starts the `n` subrequests of the specs and waits for them: returns the batch to
-- read the results of. Errors are raised at level 3.
local function start_and_wait(r, n)
    finish_specs(n)
    local err = base.get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    local rc = C.nlf_ffi_capture(r, specs, n, batch_ptr, err, errlen)
    clear_tab(anchors)
    if rc ~= -2 then
        release_ctx_refs(n)
        if rc == -1 then
            error(ffi_str(err, errlen[0]), 3)
        end
        check_status(rc, r, 3, CAPTURE_API)
        error("failed to issue subrequest", 3)
    end
    local batch = batch_ptr[0]
    wait_for_scheduler()
    return batch
end

local function request_of_caller()
    local r = get_request()
    if not r then
        error(no_request_msg(CAPTURE_API), 3)
    end
    return r
end

local location = new_tab(0, 2)

function location.capture(...)
    local nargs = select("#", ...)
    if nargs ~= 1 and nargs ~= 2 then
        error("expecting one or two arguments", 2)
    end
    local r = request_of_caller()
    reserve_specs(1)
    local uri, opts = ...
    fill_spec(specs[0], 0, uri, opts, nargs, 0)
    return result(start_and_wait(r, 1), 0)
end

local results = new_tab(4, 0)

function location.capture_multi(...)
    local nargs = select("#", ...)
    if nargs ~= 1 then
        error("only one argument is expected, but got " .. nargs, 2)
    end
    local reqs = ...
    if type(reqs) ~= "table" then
        error("bad argument #1 to 'capture_multi' (table expected, got " .. type(reqs) .. ")", 2)
    end
    local n = #reqs
    if n == 0 then
        error("at least one subrequest should be specified", 2)
    end
    local r = request_of_caller()
    reserve_specs(n)
    local used = 0
    for i = 1, n do
        local req = reqs[i]
        if req == nil then
            error("only array-like tables are allowed", 2)
        end
        if type(req) ~= "table" then
            error("the query argument " .. (i - 1) .. " is not a table, but a " .. type(req), 2)
        end
        local req_nargs = #req
        if req_nargs ~= 1 and req_nargs ~= 2 then
            error("query argument " .. (i - 1) .. " expecting one or two arguments", 2)
        end
        used = fill_spec(specs[i - 1], i - 1, req[1], req[2], req_nargs, used)
    end
    local batch = start_and_wait(r, n)
    clear_tab(results)
    for i = 1, n do
        results[i] = result(batch, i - 1)
    end
    return unpack(results, 1, n)
end

ngx.location = location

return {
    version = base.version,
}
