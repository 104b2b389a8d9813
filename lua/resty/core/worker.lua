-- ngx.worker.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C

ffi.cdef[[
int ngx_http_lua_ffi_worker_id(void);
int ngx_http_lua_ffi_worker_pid(void);
int ngx_http_lua_ffi_worker_count(void);
int ngx_http_lua_ffi_worker_exiting(void);
]]

ngx.worker = {
    pid = function()
        return C.ngx_http_lua_ffi_worker_pid()
    end,
    -- nil outside a worker process (init_by_lua, the master).
    id = function()
        local id = C.ngx_http_lua_ffi_worker_id()
        if id < 0 then
            return nil
        end
        return id
    end,
    count = function()
        return C.ngx_http_lua_ffi_worker_count()
    end,
    exiting = function()
        return C.ngx_http_lua_ffi_worker_exiting() ~= 0
    end,
}

return {
    version = base.version,
}
