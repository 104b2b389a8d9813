-- ngx.worker.
local ffi = require "ffi"
local base = require "resty.core.base"
require "resty.core.phase"  -- ngx.get_phase

local C = ffi.C
local ffi_new = ffi.new
local new_tab = base.new_tab
local tonumber = tonumber
local get_phase = ngx.get_phase

ffi.cdef[[
int ngx_http_lua_ffi_worker_id(void);
int ngx_http_lua_ffi_worker_pid(void);
int ngx_http_lua_ffi_worker_count(void);
int ngx_http_lua_ffi_worker_exiting(void);
int ngx_http_lua_ffi_worker_pids(int *pids, size_t *pids_len);
]]

local MAX_PROCESSES = 1024  -- NGX_MAX_PROCESSES
local pids_buf = ffi_new("int[?]", MAX_PROCESSES)
local pids_len = ffi_new("size_t[1]")

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
    -- The pids of the current workers, by worker id; a worker that has not started yet
    -- is left out.
    pids = function()
        local phase = get_phase()
        if phase == "init" or phase == "init_worker" then
            return nil, "API disabled in the current context"
        end
        C.ngx_http_lua_ffi_worker_pids(pids_buf, pids_len)
        local n = tonumber(pids_len[0])
        local pids = new_tab(n, 0)
        for i = 1, n do
            pids[i] = pids_buf[i - 1]
        end
        return pids
    end,
}

return {
    version = base.version,
}
