-- ngx.config.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string

ffi.cdef[[
const unsigned char *nlf_ffi_config_prefix(size_t *len);
const char *nlf_ffi_config_configure(void);
int nlf_ffi_config_nginx_version(void);
int nlf_ffi_config_debug(void);
]]

local size_ptr = base.get_size_ptr()

ngx.config = {
    subsystem = "http",
    debug = C.nlf_ffi_config_debug() == 1,
    nginx_version = C.nlf_ffi_config_nginx_version(),
    ngx_lua_version = 10028,
    prefix = function()
        local p = C.nlf_ffi_config_prefix(size_ptr)
        return ffi_str(p, size_ptr[0])
    end,
    nginx_configure = function()
        return ffi_str(C.nlf_ffi_config_configure())
    end,
}

return ngx.config
