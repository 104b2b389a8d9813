# ngx.socket.connect, tcpsock:bind, setoption / getoption, lua_socket_send_lowat and
# connect timeouts, against this test's own nginx on loopback and a listener whose
# accept queue is full (the harness's tcp_full).
use lib 't/lib';
use NgxTest;
start_helper_servers(qw(tcp_full));
run_tests();
__DATA__

=== TEST 1: ngx.socket.connect makes and connects a socket in one call
--- http_config
    server {
        listen unix:$TEST_NGINX_PREFIX/logs/peer.sock;
        location / { return 200 "unix peer\n"; }
    }
--- config
    location = /peer { return 200 "tcp peer\n"; }
    location = /t {
        content_by_lua_block {
            local function fetch(sock)
                sock:send("GET /peer HTTP/1.0\r\n\r\n")
                repeat local line = sock:receive() until line == ""
                return sock:receive()
            end
            local sock = ngx.socket.connect("127.0.0.1", $TEST_NGINX_SERVER_PORT)
            ngx.say(fetch(sock), " ", getmetatable(sock) == debug.getregistry().__tcp_cosocket_mt)
            ngx.say(fetch(ngx.socket.connect("unix:$TEST_NGINX_PREFIX/logs/peer.sock")))
            ngx.say(ngx.socket.connect("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.say(ngx.socket.connect("unix:$TEST_NGINX_PREFIX/logs/nothing.sock"))
            ngx.say(ngx.socket.connect("127.0.0.1"))
            ngx.say(ngx.socket.connect("localhost", 80))
            ngx.say(pcall(ngx.socket.connect))
            ngx.say(pcall(ngx.socket.connect, "127.0.0.1", 80, {}, 1))
        }
    }
--- request
GET /t
--- response_body
tcp peer true
unix peer
nilconnection refused
nilno such file or directory
nilmissing the port number
nilno resolver defined to resolve "localhost"
falsengx.socket connect: expecting 2, 3, or 4 arguments (including the object), but seen 1
falsengx.socket connect: expecting 2, 3, or 4 arguments (including the object), but seen 5
--- allow_error_log eval
[qr/connect\(\) (to unix:)?.*failed/]

=== TEST 2: bind: the connection comes from that address; what bind refuses
--- config
    location = /peer { return 200 "$remote_addr\n"; }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("bind: ", sock:bind("127.0.0.2"))
            for _ = 1, 2 do
                assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
                sock:send("GET /peer HTTP/1.0\r\n\r\n")
                repeat local line = sock:receive() until line == ""
                ngx.say("peer saw: ", sock:receive())
            end
            ngx.say(sock:bind("localhost"))
            ngx.say(sock:bind("127.0.0.1:80"))
            ngx.say(sock:bind("[::1]"))
            ngx.say(sock:bind(1))
            ngx.say("v6: ", sock:bind("::1"))
            ngx.say(pcall(sock.bind, sock))
            ngx.say(pcall(sock.bind, sock, "127.0.0.1", 80))
            ngx.say(pcall(sock.bind, sock, {}))
            local far = ngx.socket.tcp()
            far:bind("192.0.2.1")
            ngx.say(far:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
        }
    }
--- request
GET /t
--- response_body
bind: 1
peer saw: 127.0.0.2
peer saw: 127.0.0.2
nilbad address
nilbad address
nilbad address
nilbad address
v6: 1
falseexpecting 2 arguments, but got 1
falseexpecting 2 arguments, but got 3
falsebad argument #2 to 'bind' (string expected, got table)
nilcannot assign requested address
--- allow_error_log eval
[qr/bind\(192\.0\.2\.1\) failed \(99: Cannot assign requested address\)/]

=== TEST 3: setoption and getoption
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("unconnected: ", sock:getoption("keepalive"))
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            ngx.say("keepalive: ", sock:getoption("keepalive"), " ", sock:setoption("keepalive", true),
                    " ", sock:getoption("keepalive"))
            ngx.say("reuseaddr: ", sock:setoption("reuseaddr", 1), " ", sock:getoption("reuseaddr"))
            ngx.say("tcp-nodelay: ", sock:setoption("tcp-nodelay", 1), " ", sock:getoption("tcp-nodelay"),
                    " ", sock:setoption("tcp-nodelay", 0), " ", sock:getoption("tcp-nodelay"))
            -- Linux doubles the size asked for
            ngx.say("sndbuf: ", sock:setoption("sndbuf", 8192), " ", sock:getoption("sndbuf"))
            ngx.say("rcvbuf: ", sock:setoption("rcvbuf", 8192), " ", sock:getoption("rcvbuf"))
            ngx.say(sock:getoption("foo"))
            ngx.say(sock:getoption())
            ngx.say(sock:setoption("keepalive"))
            ngx.say(sock:setoption("nosuch", 1))
            ngx.say(pcall(sock.setoption, sock, "sndbuf", "x") == false)
            ngx.say(pcall(sock.getoption, "x", "sndbuf"))
            sock:close()
            ngx.say("closed: ", sock:getoption("sndbuf"), " ", select(2, sock:setoption("sndbuf", 1)))
        }
    }
--- request
GET /t
--- response_body
unconnected: nilclosed
keepalive: 0 true 1
reuseaddr: true 1
tcp-nodelay: true 1 true 0
sndbuf: true 16384
rcvbuf: true 16384
nilunsupported option foo
nilmissing the "option" argument
nilmissing the "value" argument
nilunsupported option nosuch
true
falsebad argument #1 to 'getoption' (table expected, got string)
closed: nil closed

=== TEST 4: lua_socket_send_lowat is accepted and ignored, as OpenResty does on Linux
--- http_config
    lua_socket_send_lowat 2k;
--- config
    location = /peer { return 200 "ok\n"; }
    location = /t {
        lua_socket_send_lowat 1k;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SERVER_PORT))
            ngx.say(sock:send("GET /peer HTTP/1.0\r\n\r\n"))
            ngx.say(sock:receive())
        }
    }
--- request
GET /t
--- response_body
22
HTTP/1.1 200 OK
--- error_log
"lua_send_lowat" is not supported, ignored

=== TEST 5: lua_socket_send_lowat with a bad size
--- config
    lua_socket_send_lowat 1q;
--- must_die
--- error_log
invalid value

=== TEST 6: ngx.socket.connect, bind, setoption and getoption are JIT-compiled
--- http_config
    server {
        listen unix:$TEST_NGINX_PREFIX/logs/peer.sock backlog=1024;
        location / { return 204; }
    }
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local connect = ngx.socket.connect
            local n = 0
            for _ = 1, 100 do
                local sock = connect("unix:$TEST_NGINX_PREFIX/logs/peer.sock")
                n = n + sock:getoption("sndbuf") - sock:getoption("sndbuf")
                if sock:setoption("keepalive", 1) then n = n + 1 end
                sock:close()
            end
            local sock = ngx.socket.tcp()
            for _ = 1, 100 do
                if sock:bind("127.0.0.1") then n = n + 1 end
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
200
--- error_log eval
[main::loop_traces(5, 12)]
--- no_error_log
NYI

=== TEST 7: connect timeouts: lua_socket_connect_timeout, then settimeouts
--- config
    location = /t {
        lua_socket_connect_timeout 100ms;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("directive: ", sock:connect("127.0.0.1", $TEST_NGINX_TCP_FULL_PORT))
            sock:settimeouts(150, 1000, 1000)
            ngx.say("settimeouts: ", sock:connect("127.0.0.1", $TEST_NGINX_TCP_FULL_PORT))
            ngx.say("after: ", sock:send("x"))
        }
    }
--- request
GET /t
--- response_body
directive: niltimeout
settimeouts: niltimeout
after: nilclosed
--- grep_error_log eval
qr/lua tcp socket connect timed out, when connecting to 127\.0\.0\.1:\d+/
--- grep_error_log_out eval
"lua tcp socket connect timed out, when connecting to 127.0.0.1:$ENV{TEST_NGINX_TCP_FULL_PORT}\n" x 2
--- allow_error_log eval
[qr/lua tcp socket connect timed out/]
