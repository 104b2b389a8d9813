-- The balancer scenarios' Lua balancer: each try goes to the next of four peers
-- (unix sockets in the prefix, served by the same nginx), as a gateway's round robin
-- over a peer list would.
local balancer = require "ngx.balancer"

local set_current_peer = balancer.set_current_peer
local enable_keepalive = balancer.enable_keepalive  -- absent from the peer's 0.10.23
local peers = {}
for i = 1, 4 do
    peers[i] = "unix:" .. ngx.config.prefix() .. "logs/peer" .. i .. ".sock"
end
local next_peer = 0

local _M = {}

function _M.pick(keepalive)
    next_peer = next_peer % 4 + 1
    local ok, err = set_current_peer(peers[next_peer])
    if not ok then
        error("set_current_peer: " .. err)
    end
    if keepalive then
        assert(enable_keepalive())
    end
end

return _M
