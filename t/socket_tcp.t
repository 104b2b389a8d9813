# ngx.socket.tcp / ngx.socket.stream against real peers on loopback: this test's own
# nginx (locations of the same server, a second server that never answers, a
# unix-domain listener).
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: connect, send a request, receive lines and the rest
--- config
    location = /peer {
        content_by_lua_block { ngx.print("line one\r\nline two\nrest") }
    }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("connect: ", sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            local req = "GET /peer HTTP/1.0\r\nHost: x\r\n\r\n"
            ngx.say("sent: ", sock:send(req), " of ", #req)
            ngx.say("status: ", sock:receive("*l"))
            while true do
                local line = sock:receive()
                if line == "" then break end
            end
            ngx.say("1: ", sock:receive("*l"))
            ngx.say("2: ", sock:receive("*l"))
            ngx.say("all: ", sock:receive("*a"))
            ngx.say("again: ", sock:receive("*a"))
            ngx.say("reused: ", sock:getreusedtimes())
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
connect: 1
sent: 31 of 31
status: HTTP/1.1 200 OK
1: line one
2: line two
all: rest
again: 
reused: 0
close: 1

=== TEST 2: receive(n), receiveany, nested array and number sends; ngx.socket.stream is the same
--- config
    location = /peer {
        content_by_lua_block { ngx.print("0123456789abcdef") }
    }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.stream()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            ngx.say("sent: ", sock:send({ "GET /peer", { " HTTP/1.", 0 }, "\r\n\r\n" }))
            ngx.say("number: ", sock:send(12), " ", sock:send(""))
            repeat local line = sock:receive() until line == ""
            ngx.say("4: ", sock:receive(4))
            ngx.say("0: [", sock:receive(0), "]")
            ngx.say("any: ", sock:receiveany(3))
            ngx.say("any: ", sock:receiveany(100))
            local data, err, partial = sock:receive(2)
            ngx.say("after: ", data, " ", err, " [", partial, "]")
            ngx.say(getmetatable(sock) == debug.getregistry().__tcp_cosocket_mt)
        }
    }
--- no_forced_eagain: receiveany returns what one read brought, and forced EAGAIN splits the reads; TEST 1 reads lines and sizes under it
--- request
GET /t
--- response_body
sent: 22
number: 2 0
4: 0123
0: []
any: 456
any: 789abcdef
after: nil closed []
true

=== TEST 3: the peer closes mid-read: the partial data is the third value
--- config
    location = /peer {
        content_by_lua_block { ngx.print("no newline here") }
    }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /peer HTTP/1.0\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            ngx.say(sock:receive("*l"))
            local sock2 = ngx.socket.tcp()
            assert(sock2:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock2:send("GET /peer HTTP/1.0\r\n\r\n")
            repeat local line = sock2:receive() until line == ""
            ngx.say(sock2:receive(100))
        }
    }
--- request
GET /t
--- response_body
nilclosedno newline here
nilclosedno newline here

=== TEST 4: a line longer than lua_socket_buffer_size
--- config
    lua_socket_buffer_size 16;
    location = /peer {
        content_by_lua_block { ngx.print(string.rep("a", 5000), "\nend\n") }
    }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /peer HTTP/1.0\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            local line = sock:receive()
            ngx.say(#line, " ", line == string.rep("a", 5000), " ", sock:receive())
        }
    }
--- request
GET /t
--- response_body
5000 true end

=== TEST 5: connection refused, no resolver, bad arguments
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say(sock:connect("unix:$TEST_NGINX_PREFIX/nothing.sock"))
            ngx.say(sock:connect("localhost", 80))
            ngx.say(sock:connect("127.0.0.1", 70000))
            ngx.say(pcall(sock.connect, sock, 1, 80))
            ngx.say(pcall(sock.connect, "x", "127.0.0.1", 80))
            ngx.say(pcall(sock.receive, sock, "*x"))
            ngx.say(pcall(sock.receiveany, sock, 0))
            ngx.say(pcall(sock.send, sock, true))
            ngx.say(pcall(sock.settimeout, sock, "x"))
        }
    }
--- request
GET /t
--- response_body
nilconnection refused
nilno such file or directory
nilno resolver defined to resolve "localhost"
nilbad port number: 70000
falsebad argument #2 to 'connect' (string expected, got number)
falsebad argument #1 to 'connect' (table expected, got string)
falsebad pattern argument: *x
falsebad argument #2 to 'receiveany' (bad max argument)
falsebad argument #2 to 'send' (string, number, boolean, nil, or array table expected, got boolean)
falsebad argument #2 to 'settimeout' (number expected, got string)
--- allow_error_log eval
[qr/connect\(\) (to unix:)?.*failed/]

=== TEST 6: a unix-domain stream listener
--- http_config
    server {
        listen unix:$TEST_NGINX_PREFIX/logs/peer.sock;
        location / {
            content_by_lua_block { ngx.say("over unix: ", ngx.var.uri) }
        }
    }
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say(sock:connect("unix:$TEST_NGINX_PREFIX/logs/peer.sock"))
            sock:send("GET /hello HTTP/1.0\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            ngx.print(sock:receive("*a"))
        }
    }
--- request
GET /t
--- response_body
1
over unix: /hello

=== TEST 7: read and send timeouts on a peer that never answers
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(2) }
        }
    }
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeouts(1000, 100, 100)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            sock:send("GET / HTTP/1.0\r\n\r\n")
            ngx.say("read: ", sock:receive())
            ngx.say("read again: ", sock:receive(10))
            ngx.say("send: ", sock:send(string.rep("x", 64 * 1024 * 1024)))
            ngx.say("close: ", sock:close())
        }
    }
--- no_forced_eagain: 64 MiB at 64 bytes a call never fills the peer's buffers before the request timeout; TEST 8 times out reads under it
--- request
GET /t
--- response_body
read: niltimeout
read again: niltimeout
send: niltimeout
close: 1
--- error_log
lua tcp socket read timed out
lua tcp socket write timed out

=== TEST 8: lua_socket_read_timeout and lua_socket_log_errors off
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(2) }
        }
    }
--- config
    lua_socket_read_timeout 50ms;
    lua_socket_log_errors off;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            sock:send("GET / HTTP/1.0\r\n\r\n")
            ngx.say("read: ", sock:receive())
        }
    }
--- request
GET /t
--- response_body
read: niltimeout
--- no_error_log
lua tcp socket read timed out

=== TEST 9: use after close
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("before connect: ", sock:send("x"))
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            ngx.say(sock:close())
            ngx.say(sock:close())
            ngx.say(sock:send("x"))
            ngx.say(sock:receive())
            ngx.say(sock:getreusedtimes())
        }
    }
--- request
GET /t
--- response_body
before connect: nilclosed
1
nilclosed
nilclosed
nilclosed
nilclosed

=== TEST 10: one thread reads while another writes; a second reader is refused
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(0.2) ngx.say("late") }
        }
    }
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            local reader = ngx.thread.spawn(function()
                local lines = {}
                while true do
                    local line, err = sock:receive()
                    if not line then return table.concat(lines, "|") .. " " .. err end
                    lines[#lines + 1] = line
                end
            end)
            ngx.say("second reader: ", sock:receive())
            ngx.say("writer: ", sock:send("GET / HTTP/1.0\r\n\r\n"))
            local _, got = ngx.thread.wait(reader)
            ngx.say(got:match("late.*"))
        }
    }
--- request
GET /t
--- response_body
second reader: nilsocket busy reading
writer: 18
late closed

=== TEST 11: a socket in a timer; from another owner it is refused
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            local done = false
            ngx.timer.at(0, function()
                ngx.log(ngx.WARN, "foreign: ", select(2, sock:send("x")))
                local own = ngx.socket.tcp()
                assert(own:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
                own:send("GET /peer HTTP/1.0\r\n\r\n")
                ngx.log(ngx.WARN, "timer got: ", own:receive())
                done = true
            end)
            while not done do ngx.sleep(0.01) end
            ngx.say("ok")
        }
    }
    location = /peer { return 204; }
--- request
GET /t
--- response_body
ok
--- error_log
foreign: bad request
timer got: HTTP/1.1 204 No Content

=== TEST 12: where cosockets are refused
--- config
    location = /t {
        set_by_lua_block $x { local ok, err = pcall(ngx.socket.tcp) return err }
        header_filter_by_lua_block {
            ngx.log(ngx.WARN, "header_filter: ", select(2, pcall(ngx.socket.tcp)))
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", select(2, pcall(ngx.socket.tcp)))
        }
        content_by_lua_block { ngx.say("set: ", ngx.var.x) }
    }
--- request
GET /t
--- response_body
set: API disabled in the context of set_by_lua*
--- error_log
header_filter: API disabled in the context of header_filter_by_lua*
log: API disabled in the context of log_by_lua*

=== TEST 13: a socket left open closes with its request; a later use says closed
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            lua_check_client_abort on;
            content_by_lua_block {
                ngx.on_abort(function() ngx.log(ngx.WARN, "the peer saw the close") ngx.exit(499) end)
                ngx.sleep(2)
            }
        }
    }
--- config
    location = /open {
        content_by_lua_block {
            kept = ngx.socket.tcp()
            assert(kept:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            kept:send("GET / HTTP/1.0\r\n\r\n")
            -- the peer is to be in its handler (watching for the close) first
            ngx.sleep(0.2)
            ngx.say("opened")
        }
    }
    location = /use {
        content_by_lua_block { ngx.say("later: ", kept:receive()) }
    }
--- request eval
["GET /open", "GET /use"]
--- response_body eval
["opened\n", "later: nilclosed\n"]
--- error_log
the peer saw the close

=== TEST 14: the client aborts while the handler waits in receive
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            lua_check_client_abort on;
            content_by_lua_block {
                ngx.on_abort(function() ngx.log(ngx.WARN, "the peer saw the close") ngx.exit(499) end)
                ngx.sleep(2)
            }
        }
    }
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PORT_1))
            sock:send("GET / HTTP/1.0\r\n\r\n")
            sock:receive()
            ngx.log(ngx.ERR, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.5
--- error_log
the peer saw the close
--- no_error_log
handler went on

=== TEST 15: send and receive are JIT-compiled
--- config
    location = /peer {
        content_by_lua_block {
            ngx.header["Content-Length"] = 5292 + 300
            for i = 1, 300 do ngx.say("line ", i) end
            ngx.print(string.rep("z", 3000))
        }
    }
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /peer HTTP/1.1\r\nHost: x\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            local n = 0
            for _ = 1, 300 do
                sock:send("x")
                n = n + #sock:receive("*l")
            end
            for _ = 1, 300 do
                n = n + #sock:receive(10)
            end
            ngx.say(n)
        }
    }
--- no_forced_eagain: every send and receive waits under forced EAGAIN, so the loop's trace is another one; TEST 1 and 2 run the same calls under it
--- request
GET /t
--- response_body
5292
--- error_log eval
[main::loop_traces(8, 12)]
--- no_error_log
NYI

=== TEST 16: receiveuntil: before the pattern, inclusive, a size, repeated prefixes, a pattern split across reads, the peer closing mid-pattern
--- config
    location = /parts {
        chunked_transfer_encoding off;
        content_by_lua_block {
            local parts = ngx.req.get_uri_args().p
            for _, p in ipairs(type(parts) == "table" and parts or { parts }) do
                ngx.print(p)
                ngx.flush(true)
                ngx.sleep(0.01)
            end
        }
    }
    location = /t {
        content_by_lua_block {
            local function stream(parts)
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
                local q = {}
                for i, p in ipairs(parts) do q[i] = "p=" .. ngx.escape_uri(p) end
                sock:send("GET /parts?" .. table.concat(q, "&") .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert(sock:receiveuntil("\r\n\r\n")())
                return sock
            end
            local function show(...)
                local out = {}
                for i = 1, select("#", ...) do out[i] = tostring((select(i, ...))) end
                return "[" .. table.concat(out, ",") .. "]"
            end
            local function calls(name, reader, n, size)
                local out = {}
                for i = 1, n do out[i] = show(reader(size)) end
                ngx.say(name, ": ", table.concat(out, " "))
            end
            local sock = stream({ "hello, world! -agentzh\r\n--abcedhb blah blah" })
            calls("sized", sock:receiveuntil("\r\n--abcedhb"), 8, 4)
            sock = stream({ "abcdefgh--END--rest" })
            calls("exact", sock:receiveuntil("--END--"), 4, 4)
            sock = stream({ "aaa--END--bbb--END--ccc" })
            calls("inclusive", sock:receiveuntil("--END--", { inclusive = true }), 3)
            sock = stream({ "x---abc--abc" })
            calls("prefixes", sock:receiveuntil("--abc"), 3)
            sock = stream({ "x--", "-ab", "c--", "ab", "c" })
            calls("split", sock:receiveuntil("--abc"), 3)
            sock = stream({ "a--ab", "--abc" })
            calls("split sized", sock:receiveuntil("--abc"), 3, 2)
            sock = stream({ "abc--ab" })
            calls("closed", sock:receiveuntil("--abc"), 2)
            sock = stream({ "one\ntwo\nthree" })
            local line = sock:receiveuntil("\n")
            ngx.say("mixed: ", line(), " ", sock:receive(2), " ", line(), " ", sock:receive("*a"))
        }
    }
--- request
GET /t
--- response_body
sized: [hell] [o, w] [orld] [! -a] [gent] [zh] [nil,nil,nil] [ bla]
exact: [abcd] [efgh] [] [nil,nil,nil]
inclusive: [aaa--END--] [bbb--END--] [nil,closed,ccc]
prefixes: [x-] [] [nil,closed,]
split: [x-] [] [nil,closed,]
split sized: [a--ab] [] [nil,nil,nil]
closed: [nil,closed,abc--ab] [nil,closed,]
mixed: one tw o three

=== TEST 17: receiveuntil: a timeout returns what came before a partial match, which the next call completes; argument checks
--- config
    location = /parts {
        chunked_transfer_encoding off;
        content_by_lua_block {
            ngx.print("abc--ab")
            ngx.flush(true)
            ngx.sleep(0.3)
            ngx.print("c rest--abc")
        }
    }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /parts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert(sock:receiveuntil("\r\n\r\n")())
            sock:settimeout(100)
            local reader = sock:receiveuntil("--abc")
            ngx.say("timeout: ", reader())
            sock:settimeout(1000)
            ngx.say("then: [", reader(), "] [", reader(), "]")
            ngx.say(sock:receiveuntil(""))
            ngx.say(pcall(sock.receiveuntil, sock, {}))
            ngx.say(pcall(sock.receiveuntil, sock, "a", 3))
            ngx.say(pcall(sock.receiveuntil, sock, "a", { inclusive = 1 }))
            local r = sock:receiveuntil("x")
            ngx.say(pcall(r, "a"))
            ngx.say(pcall(r, 1, 2))
        }
    }
--- request
GET /t
--- response_body
timeout: niltimeoutabc
then: [] [ rest]
nilpattern is empty
falsebad argument #2 to 'receiveuntil' (string expected, got table)
falsebad argument #3 to 'receiveuntil' (table expected, got number)
falsebad "inclusive" option value type: number
falsebad argument #1 to '?' (number expected, got string)
falseexpecting 0 or 1 arguments, but seen 2
--- error_log
lua tcp socket read timed out

=== TEST 18: the receiveuntil iterator is JIT-compiled
--- config
    location = /peer {
        content_by_lua_block {
            ngx.header["Content-Length"] = 300 * 8
            for i = 1, 300 do ngx.print(string.format("%03d--\r\n", i)) end
        }
    }
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /peer HTTP/1.1\r\nHost: x\r\n\r\n")
            local reader = sock:receiveuntil("--\r\n")
            assert(sock:receiveuntil("\r\n\r\n")())
            local n = 0
            for _ = 1, 300 do
                n = n + tonumber(reader())
            end
            ngx.say(n)
        }
    }
--- no_forced_eagain: every read waits under forced EAGAIN, so the loop's trace is another one; TEST 16 runs the iterator under it
--- request
GET /t
--- response_body
45150
--- error_log eval
[main::loop_traces(9)]
--- no_error_log
NYI

=== TEST 19: a read error and a later write error each keep their own message
--- config
    location = /reset { return 444; }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            -- the peer closes with this body unread: the kernel resets the connection
            sock:send("POST /reset HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" .. string.rep("x", 65536))
            ngx.sleep(0.1)
            ngx.say("read: ", select(2, sock:receive()))
            ngx.say("write: ", select(2, sock:send("more")))
            ngx.say("read again: ", select(2, sock:receive()))
        }
    }
--- no_forced_eagain: the reset must arrive while most of the body is still unread, which 64-byte writes do not ensure
--- request
GET /t
--- response_body
read: connection reset by peer
write: broken pipe
read again: connection reset by peer
--- allow_error_log eval
[qr/recv\(\) failed/, qr/send\(\) failed/, qr/writev\(\) failed/]
