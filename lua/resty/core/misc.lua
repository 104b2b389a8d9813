-- resty.core.misc: the module name OpenResty gives ngx.status, ngx.is_subrequest,
-- ngx.headers_sent and ngx.req.is_internal; here they live with the response and
-- request functions, which this name loads.
local base = require "resty.core.base"
require "resty.core.response"
require "resty.core.request"

return {
    version = base.version,
}
