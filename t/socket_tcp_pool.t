# Cosocket connection pools (setkeepalive, the connect options pool / pool_size /
# backlog, lua_socket_pool_size, lua_socket_keepalive_timeout) against a peer server
# block of the test's nginx that answers with its $connection: the same number twice
# proves one connection was reused.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: setkeepalive, then connect reuses the connection; getreusedtimes counts; named pools are apart
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            local peer = require "peer"
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            local first = peer.get(sock)
            ngx.say("reused: ", sock:getreusedtimes(), ", setkeepalive: ", sock:setkeepalive())
            ngx.say("after: ", sock:send("x"), " ", select(2, sock:getreusedtimes()), " ", select(2, sock:setkeepalive()))
            for i = 1, 2 do
                assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
                ngx.say("reused: ", sock:getreusedtimes(), ", same peer connection: ", peer.get(sock) == first)
                assert(sock:setkeepalive())
            end
            local other = ngx.socket.tcp()
            assert(other:connect("127.0.0.1", $TEST_NGINX_PORT_1, { pool = "other" }))
            ngx.say("named pool: ", other:getreusedtimes(), " ", peer.get(other) == first)
            assert(other:setkeepalive())
            assert(other:connect("127.0.0.1", $TEST_NGINX_PORT_1, { pool = "other" }))
            ngx.say("named pool again: ", other:getreusedtimes())
            other:close()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say("default pool: ", sock:getreusedtimes(), " ", peer.get(sock) == first)
        }
    }
--- request
GET /t
--- response_body
reused: 0, setkeepalive: 1
after: nil closed closed
reused: 1, same peer connection: true
reused: 2, same peer connection: true
named pool: 0 false
named pool again: 1
default pool: 3 true

=== TEST 2: setkeepalive refuses: unread data (the socket stays usable), data the peer sent unread, a pending reader, closed sockets; argument checks
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            local peer = require "peer"
            local sock = ngx.socket.tcp()
            ngx.say("not connected: ", sock:setkeepalive())
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
            ngx.say("status: ", sock:receive())
            ngx.say("unread: ", sock:setkeepalive())
            repeat local line = sock:receive() until line == ""
            ngx.say("still usable: ", sock:receive(1) ~= nil)
            sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
            ngx.sleep(0.1)
            ngx.say("peer sent: ", sock:setkeepalive())
            ngx.say("then: ", sock:send("x"))
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say("a fresh one: ", sock:getreusedtimes())
            local reader = ngx.thread.spawn(function() return sock:receive() end)
            ngx.say("reading: ", sock:setkeepalive())
            ngx.thread.kill(reader)
            ngx.say(pcall(sock.setkeepalive, sock, "x"))
            ngx.say(pcall(sock.setkeepalive, sock, -1))
            ngx.say(pcall(sock.setkeepalive, sock, 10, "y"))
            ngx.say(pcall(sock.setkeepalive, sock, 10, 0))
            ngx.say(pcall(sock.connect, sock, "127.0.0.1", 1, { pool_size = 0 }))
            ngx.say(pcall(sock.connect, sock, "127.0.0.1", 1, { pool_size = "a" }))
            ngx.say(pcall(sock.connect, sock, "127.0.0.1", 1, { backlog = -1 }))
            ngx.say(pcall(sock.connect, sock, "127.0.0.1", 1, { pool = true }))
            ngx.say(pcall(sock.connect, sock, "unix:/nowhere", { pool = {} }))
            ngx.say("the socket after argument errors: ", sock:getreusedtimes())
        }
    }
--- request
GET /t
--- response_body
not connected: nilclosed
status: HTTP/1.1 200 OK
unread: nilunread data in buffer
still usable: true
peer sent: nilconnection in dubious state
then: nilclosed
a fresh one: 0
reading: nilsocket busy reading
falsebad argument #2 to 'setkeepalive' (number expected, got string)
falsebad timeout value
falsebad argument #3 to 'setkeepalive' (number expected, got string)
falsebad argument #3 to 'setkeepalive' (bad "pool_size" option value: 0)
falsebad argument #4 to 'connect' (bad "pool_size" option value: 0)
falsebad argument #4 to 'connect' (bad "pool_size" option type: string)
falsebad argument #4 to 'connect' (bad "backlog" option value: -1)
falsebad argument #4 to 'connect' (bad "pool" option type: boolean)
falsebad argument #3 to 'connect' (bad "pool" option type: table)
the socket after argument errors: 0

=== TEST 3: pool_size + backlog: connects beyond the size queue, the next past the backlog is refused; a connection kept or closed lets the next go
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            local peer = require "peer"
            local opts = { pool = "capped", pool_size = 1, backlog = 2 }
            local log = {}
            local function user(name, finish)
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts)
                if not ok then
                    log[#log + 1] = name .. ": " .. err
                    return
                end
                log[#log + 1] = name .. ": connected, reused " .. sock:getreusedtimes() .. " " .. peer.get(sock)
                ngx.sleep(0.05)
                if finish == "close" then sock:close() else sock:setkeepalive() end
            end
            local threads = {
                ngx.thread.spawn(user, "a", "keep"),
                ngx.thread.spawn(user, "b", "close"),
                ngx.thread.spawn(user, "c", "keep"),
                ngx.thread.spawn(user, "d", "keep"),
            }
            for _, t in ipairs(threads) do ngx.thread.wait(t) end
            for _, line in ipairs(log) do ngx.say((line:gsub(" %d+$", ""))) end
        }
    }
--- no_repeat: the pool outlives the request, so a repeated request finds its connections reused
--- request
GET /t
--- response_body
d: too many waiting connect operations
a: connected, reused 0
b: connected, reused 1
c: connected, reused 0

=== TEST 4: a queued connect times out after the connect timeout; its request ending while queued gives the turn back
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            local opts = { pool_size = 1, backlog = 1 }
            local holder = ngx.socket.tcp()
            assert(holder:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts))
            local sock = ngx.socket.tcp()
            sock:settimeouts(100, 1000, 1000)
            ngx.say("queued: ", sock:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts))
            local waiter = ngx.thread.spawn(function()
                return sock:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts)
            end)
            ngx.thread.kill(waiter)
            -- the killed one left the queue: there is room for one again
            local other = ngx.socket.tcp()
            other:settimeouts(50, 1000, 1000)
            ngx.say("after the kill: ", other:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts))
            holder:close()
            ngx.say("after close: ", sock:connect("127.0.0.1", $TEST_NGINX_PORT_1, opts), " ", sock:getreusedtimes())
        }
    }
--- request
GET /t
--- response_body
queued: niltimeout
after the kill: niltimeout
after close: 1 0
--- error_log eval
qr/lua tcp socket queued connect timed out, when trying to connect to 127\.0\.0\.1:\d+/

=== TEST 5: an idle connection the peer closes leaves the pool; the keepalive timeout and lua_socket_pool_size close idle ones
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_2;
        keepalive_timeout 50ms;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    lua_socket_pool_size 1;
    location = /t {
        content_by_lua_block {
            local peer = require "peer"
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_2, { pool = "short" }))
            local first = peer.get(sock)
            assert(sock:setkeepalive())
            ngx.sleep(0.2)  -- the peer closes it
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_2, { pool = "short" }))
            ngx.say("after the peer closed: ", sock:getreusedtimes(), " ", peer.get(sock) ~= first)
            assert(sock:setkeepalive(50))
            ngx.sleep(0.2)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            first = peer.get(sock)
            local two = ngx.socket.tcp()
            assert(two:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            local second = peer.get(two)
            assert(sock:setkeepalive(0))
            assert(two:setkeepalive(0))  -- the pool keeps one: the older goes
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(two:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say("kept: ", peer.get(sock) == second, " ", sock:getreusedtimes(), ", new: ", two:getreusedtimes())
        }
    }
--- request
GET /t
--- response_body
after the peer closed: 0 true
kept: true 1, new: 0
--- grep_error_log eval
qr/lua tcp socket pool "short" drops an idle connection/
--- grep_error_log_out
lua tcp socket pool "short" drops an idle connection
lua tcp socket pool "short" drops an idle connection

=== TEST 6: lua_socket_keepalive_timeout; a socket used by another request or after its own ended
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    lua_socket_keepalive_timeout 50ms;
    location = /keep {
        content_by_lua_block {
            local peer = require "peer"
            kept = ngx.socket.tcp()
            assert(kept:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            peer.get(kept)
            local foreign
            ngx.timer.at(0, function() foreign = { kept:setkeepalive() } end)
            ngx.sleep(0.01)
            ngx.say("from a timer: ", foreign[2])
            assert(kept:setkeepalive())
            ngx.sleep(0.2)
            assert(kept:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say("after the timeout: ", kept:getreusedtimes())
        }
    }
    location = /later {
        content_by_lua_block { ngx.say("later: ", select(2, kept:setkeepalive())) }
    }
--- request eval
["GET /keep", "GET /later"]
--- response_body eval
["from a timer: bad request\nafter the timeout: 0\n", "later: closed\n"]

=== TEST 7: idle pooled connections across a reload and at shutdown: no alert, no socket left open
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            local peer = require "peer"
            local socks = {}
            for i = 1, 3 do
                socks[i] = ngx.socket.tcp()
                assert(socks[i]:connect("127.0.0.1", $TEST_NGINX_PORT_1))
                peer.get(socks[i])
            end
            for i = 1, 3 do assert(socks[i]:setkeepalive(0)) end
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say("reused: ", sock:getreusedtimes())
            assert(sock:setkeepalive())
        }
    }
--- request eval
["GET /t", "GET /t"]
--- reload_between
--- response_body eval
["reused: 1\n", "reused: 1\n"]
--- no_error_log
open socket
[alert]

=== TEST 8: a pooled connect and setkeepalive are JIT-compiled
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$connection"; }
    }
--- user_files
>>> peer.lua
local _M = {}
-- One HTTP/1.1 exchange that leaves the connection open: the peer's $connection.
function _M.get(sock)
    local ok, err = sock:send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n")
    if not ok then return nil, err end
    local len
    repeat
        local line, err = sock:receive()
        if not line then return nil, err end
        len = len or tonumber(line:match("^Content%-Length: (%d+)"))
    until line == ""
    return sock:receive(len)
end
return _M
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(sock:setkeepalive())
            local n = 0
            for _ = 1, 300 do
                sock:connect("127.0.0.1", $TEST_NGINX_PORT_1)
                n = n + sock:getreusedtimes()
                sock:setkeepalive()
            end
            ngx.say(n)
        }
    }
--- no_repeat: the pool outlives the request, so a repeated request finds its connections reused
--- request
GET /t
--- response_body
45150
--- error_log eval
[main::loop_traces(7)]
--- no_error_log
NYI
