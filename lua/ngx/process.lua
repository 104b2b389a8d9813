-- The ngx.process module.
local ffi = require "ffi"
local base = require "resty.core.base"
require "resty.core.phase"  -- ngx.get_phase

local C = ffi.C
local ffi_str = ffi.string
local type = type
local get_phase = ngx.get_phase

ffi.cdef[[
int ngx_http_lua_ffi_enable_privileged_agent(char **err, unsigned int connections);
int ngx_http_lua_ffi_get_process_type(void);
void ngx_http_lua_ffi_process_signal_graceful_exit(void);
int ngx_http_lua_ffi_master_pid(void);
]]

local errmsg = base.get_errmsg_ptr()

local type_names = {
    [0] = "single",
    [1] = "master",
    [2] = "signaller",
    [3] = "worker",
    [4] = "helper",
    [99] = "privileged agent",
}

local _M = {
    version = base.version,
}

function _M.type()
    return type_names[C.ngx_http_lua_ffi_get_process_type()]
end

-- Always fails on stock nginx (see docs/COMPATIBILITY.md), after the checks OpenResty
-- makes, so that misuse reads the same.
function _M.enable_privileged_agent(connections)
    if get_phase() ~= "init" then
        return nil, "API disabled in the current context"
    end
    connections = connections or 512
    if type(connections) ~= "number" or connections < 0 then
        return nil, "bad 'connections' argument: number expected and greater than 0"
    end
    if C.ngx_http_lua_ffi_enable_privileged_agent(errmsg, connections) ~= 0 then
        return nil, ffi_str(errmsg[0])
    end
    return true
end

function _M.signal_graceful_exit()
    C.ngx_http_lua_ffi_process_signal_graceful_exit()
end

function _M.get_master_pid()
    return C.ngx_http_lua_ffi_master_pid()
end

return _M
