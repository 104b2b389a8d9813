-- ngx.ctx: one table per request, shared by all its phases. The tables live in the
-- registry's ngx_lua_ctx_tables; the request keeps its slot (see src/http/api/ctx.cpp)
-- and frees it with its memory pool, after the log phase.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local get_request = base.get_request
local no_request_msg = base.no_request_msg
local check_status = base.check_status
local new_tab = base.new_tab
local ref_in_table = base.ref_in_table
local requestless_ctxs = base.requestless_ctxs
local registry = debug.getregistry()
local error = error
local type = type

ffi.cdef[[
double nlf_ffi_requestless_run(void);
int ngx_http_lua_ffi_get_ctx_ref(ngx_http_request_t *r, int *in_ssl_phase,
    int *ssl_ctx_ref);
int ngx_http_lua_ffi_set_ctx_ref(ngx_http_request_t *r, int ref);
]]

local ctxs = {}
registry.ngx_lua_ctx_tables = ctxs

-- The run without a request the code belongs to (a timer's, init_worker_by_lua's,
-- exit_worker_by_lua's; every coroutine of it), which keys its table. In init_by_lua
-- there is none.
local function requestless_ctx_key(level)
    local key = C.nlf_ffi_requestless_run()
    if key == 0 then
        error(no_request_msg(), level + 1)
    end
    return key
end

-- A run without a request has a table of its own, as a request has.
local function requestless_ctx_table(ctx, level)
    local key = requestless_ctx_key(level + 2)
    local t = requestless_ctxs[key]
    if t then
        return t
    end
    if ctx == nil then
        ctx = new_tab(0, 4)
    end
    requestless_ctxs[key] = ctx
    return ctx
end

-- The request's table; `ctx` becomes it when the request has none yet. Errors are
-- raised at `level` above the caller.
local function ctx_table(ctx, level)
    local r = get_request()
    if not r then
        local t = requestless_ctx_table(ctx, level)
        return t
    end
    local ref = C.ngx_http_lua_ffi_get_ctx_ref(r, nil, nil)
    if ref >= 0 then
        return ctxs[ref]
    end
    if ref == -100 or ref == -101 then
        check_status(ref, r, level + 1)
    end
    if ctx == nil then
        ctx = new_tab(0, 4)
    end
    C.ngx_http_lua_ffi_set_ctx_ref(r, ref_in_table(ctxs, ctx))
    return ctx
end

local function set_ctx(ctx)
    local t = type(ctx)
    if t ~= "table" then
        error("ctx should be a table while getting a " .. t, 3)
    end
    local r = get_request()
    if not r then
        requestless_ctxs[requestless_ctx_key(3)] = ctx
        return
    end
    local ref = C.ngx_http_lua_ffi_get_ctx_ref(r, nil, nil)
    if ref >= 0 then
        ctxs[ref] = ctx
        return
    end
    if ref == -100 or ref == -101 then
        check_status(ref, r, 3)
    end
    C.ngx_http_lua_ffi_set_ctx_ref(r, ref_in_table(ctxs, ctx))
end

-- Getters run below ngx's __index: the user's code is three levels up.
base.register_getter("ctx", function()
    local ctx = ctx_table(nil, 3)
    return ctx
end)
base.register_setter("ctx", set_ctx)

local _M = {
    _VERSION = base.version,
}

-- resty.core.ctx's get_ctx_table(ctx?): as ngx.ctx, and a table the caller made
-- becomes ngx.ctx when the request has none yet.
function _M.get_ctx_table(ctx)
    local t = ctx_table(ctx, 2)
    return t
end

return _M
