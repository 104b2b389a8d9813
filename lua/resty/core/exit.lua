-- ngx.exit.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
local YIELD = base.YIELD
local co_yield = coroutine.yield
local error = error
local type = type
local tonumber = tonumber

ffi.cdef[[
int ngx_http_lua_ffi_exit(ngx_http_request_t *r, int status, unsigned char *err,
                          size_t *errlen);
]]

local ERR_BUF_SIZE = 128
local errlen = base.get_size_ptr()

function ngx.exit(rc)
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    if type(rc) ~= "number" then
        local n = tonumber(rc)
        if not n then
            error("bad argument #1 to 'exit' (number expected, got " .. type(rc) .. ")", 2)
        end
        rc = n
    end
    local err = base.get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    local status = C.ngx_http_lua_ffi_exit(r, rc, err, errlen)
    if status == 0 then
        -- The handler ends here: the scheduler finishes the request and never
        -- resumes this coroutine.
        return co_yield(YIELD)
    end
    if status == -1 then
        error(ffi_str(err, errlen[0]), 2)
    end
    check_status(status, r, 2)
end

return {
    version = base.version,
}
