-- ngx.config.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string

ffi.cdef[[
int ngx_http_lua_ffi_get_conf_env(const unsigned char *name, unsigned char **env_buf,
                                  size_t *name_len);
const unsigned char *nlf_ffi_config_prefix(size_t *len);
const char *nlf_ffi_config_configure(void);
int nlf_ffi_config_nginx_version(void);
int nlf_ffi_config_debug(void);
]]

local size_ptr = base.get_size_ptr()
local get_request = base.get_request
local errmsg = base.get_errmsg_ptr()
local type = type

local OK = 0
local INIT = 0x10000
local env_buf = ffi.new("unsigned char *[1]")
local system_getenv = os.getenv

-- os.getenv during init_by_lua*: nginx puts the values of `env NAME=value;` into the
-- environment only in its workers, so until then they are read from the configuration
-- being loaded, as lua-resty-core does. Anywhere else the system's os.getenv is back.
local function init_getenv(name)
    if type(name) == "string" and not get_request()
       and C.ngx_http_lua_ffi_get_phase(nil, errmsg) == INIT then
        if C.ngx_http_lua_ffi_get_conf_env(name, env_buf, size_ptr) == OK then
            return ffi_str(env_buf[0] + size_ptr[0] + 1)
        end
    else
        os.getenv = system_getenv
    end
    return system_getenv(name)
end
os.getenv = init_getenv

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
