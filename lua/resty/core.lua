-- The built-in API layer. Loaded by the module before any user code runs;
-- `require "resty.core"` in user code returns it and changes nothing.
local base = require "resty.core.base"

require "resty.core.constants"
require "resty.core.coroutine"
require "resty.core.thread"
require "resty.core.output"
require "resty.core.exit"
require "resty.core.response"
require "resty.core.phase"
require "resty.core.log"
require "resty.core.sleep"
require "resty.core.timer"
require "resty.core.config"
require "resty.core.worker"
require "resty.core.param"
require "resty.core.var"
require "resty.core.ctx"
require "resty.core.request"
require "resty.core.misc"
require "resty.core.headers"
require "resty.core.args"
require "resty.core.request_body"
require "resty.core.response_headers"
require "resty.core.time"
require "resty.core.hash"
require "resty.core.base64"
require "resty.core.uri"
require "resty.core.utils"
require "resty.core.regex"
require "resty.core.shdict"
require "resty.core.socket"
require "resty.core.subrequest"

return {
    version = base.version,
}
