-- ngx.get_phase.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local error = error

local errmsg = base.get_errmsg_ptr()

local phase_of_context = {
    [0x1] = "set",
    [0x2] = "rewrite",
    [0x4] = "access",
    [0x8] = "content",
    [0x10] = "log",
    [0x20] = "header_filter",
    [0x40] = "body_filter",
    [0x80] = "timer",
    [0x100] = "init_worker",
    [0x200] = "balancer",
    [0x400] = "ssl_cert",
    [0x800] = "ssl_session_store",
    [0x1000] = "ssl_session_fetch",
    [0x2000] = "exit_worker",
    [0x4000] = "ssl_client_hello",
    [0x8000] = "server_rewrite",
    [0x10000] = "init",
}

function ngx.get_phase()
    local context = C.ngx_http_lua_ffi_get_phase(get_request(), errmsg)
    if context == -1 then
        error(ffi_str(errmsg[0]), 2)
    end
    return phase_of_context[context]
end

-- The context bit of request `r` (nil: the process's), as lua-resty-core's own modules
-- read it.
function ngx.get_raw_phase(r)
    local context = C.ngx_http_lua_ffi_get_phase(r, errmsg)
    if context == -1 then
        error(ffi_str(errmsg[0]), 2)
    end
    return context
end

return {
    version = base.version,
}
