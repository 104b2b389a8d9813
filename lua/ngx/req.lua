-- The ngx.req module: add_header.
local base = require "resty.core.base"
local headers = require "resty.core.headers"

local set_req_header = headers.set_req_header

local _M = {
    version = base.version,
}

-- Adds the value(s) to the request header's; `value` is a string or a non-empty table.
function _M.add_header(name, value)
    set_req_header(name, value, false, 3)
end

return _M
