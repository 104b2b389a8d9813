-- The ngx.base64 module: base64url (RFC 4648 section 5, no padding) and MIME decoding.
local base64 = require "resty.core.base64"

local type = type
local encode = base64.encode
local decode = base64.decode
local DECODE_URL = base64.DECODE_URL
local DECODE_MIME = base64.DECODE_MIME

local _M = {
    version = base64.version,
}

function _M.encode_base64url(s)
    if type(s) ~= "string" then
        return nil, "must provide a string"
    end
    return encode(s, true, false)
end

function _M.decode_base64url(s)
    if type(s) ~= "string" then
        return nil, "must provide a string"
    end
    local res = decode(s, DECODE_URL)
    if not res then
        return nil, "invalid input"
    end
    return res
end

function _M.decode_base64mime(s)
    if type(s) ~= "string" then
        return nil, "must provide a string"
    end
    local res = decode(s, DECODE_MIME)
    if not res then
        return nil, "invalid input"
    end
    return res
end

return _M
