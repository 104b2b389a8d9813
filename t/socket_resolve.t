# Host names in cosocket connects, resolved through nginx's `resolver` against the
# harness's dnsmasq (names in @NgxTest::DNS_HOSTS), and a resolver that never answers
# (the udp_sink helper).
use lib 't/lib';
use NgxTest;
start_helper_servers(qw(dns udp_sink));
run_tests();
__DATA__

=== TEST 1: a name resolves and the socket connects; case and a final dot do not matter
--- config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
    location = /peer { return 200 "peer $server_addr\n"; }
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("connect: ", sock:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT))
            sock:send("GET /peer HTTP/1.0\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            ngx.say(sock:receive())
            ngx.say("again: ", sock:connect("A.NLF.TEST.", $TEST_NGINX_SERVER_PORT))
            ngx.say("string port: ", sock:connect("a.nlf.test", "$TEST_NGINX_SERVER_PORT"))
        }
    }
--- request
GET /t
--- response_body
connect: 1
peer 127.0.0.1
again: 1
string port: 1

=== TEST 2: names that do not resolve, and text that is no address at all
--- config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say(sock:connect("nope.nlf.test", 80))
            ngx.say(sock:connect("elsewhere.example", 80))
            ngx.say(sock:connect("a.nlf.test:80", 80))
            ngx.say(sock:connect("", 80))
            ngx.say(sock:connect("unix:", 80))
            ngx.say(sock:connect("::1", 80))
            ngx.say(sock:connect("[::1]x", 80))
            ngx.say(sock:connect("127.0.0.1:0", 80))
            ngx.say(sock:connect("a.nlf.test"))
            ngx.say(sock:send("x"))
        }
    }
--- request
GET /t
--- response_body
nilnope.nlf.test could not be resolved (3: Host not found)
nilelsewhere.example could not be resolved (5: Operation refused)
nila.nlf.test:80 could not be resolved (5: Operation refused)
nilfailed to parse host name "": no host
nilfailed to parse host name "unix:": no path in the unix domain socket
nilfailed to parse host name "::1": invalid port
nilfailed to parse host name "[::1]x": invalid host
nilfailed to parse host name "127.0.0.1:0": invalid port
nilmissing the port number
nilclosed
--- allow_error_log eval
[qr/could not be resolved/]

=== TEST 3: a resolver that never answers: resolver_timeout
--- config
    resolver 127.0.0.1:$TEST_NGINX_UDP_SINK_PORT;
    resolver_timeout 200ms;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say(sock:connect("a.nlf.test", 80))
        }
    }
--- request
GET /t
--- response_body
nila.nlf.test could not be resolved (110: Operation timed out)

=== TEST 4: without a resolver directive
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.socket.tcp():connect("a.nlf.test", 80))
        }
    }
--- request
GET /t
--- response_body
nilno resolver defined to resolve "a.nlf.test"

=== TEST 5: IPv6 answers (AAAA, as nginx asks by default) and ipv6=off
--- http_config
    server {
        listen [::1]:$TEST_NGINX_PORT_1;
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / { return 200 "$server_addr\n"; }
    }
--- config
    location = /v6 {
        resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("v6.nlf.test", $TEST_NGINX_PORT_1))
            sock:send("GET / HTTP/1.0\r\n\r\n")
            repeat local line = sock:receive() until line == ""
            ngx.say(sock:receive())
        }
    }
    location = /v4only {
        resolver 127.0.0.1:$TEST_NGINX_DNS_PORT ipv6=off;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say(sock:connect("v6.nlf.test", $TEST_NGINX_PORT_1))
            for _ = 1, 10 do
                assert(sock:connect("both.nlf.test", $TEST_NGINX_PORT_1))
                sock:send("GET / HTTP/1.0\r\n\r\n")
                repeat local line = sock:receive() until line == ""
                local addr = sock:receive()
                if addr ~= "127.0.0.1" then ngx.say("got ", addr) end
            end
            ngx.say("both: 127.0.0.1 only")
        }
    }
--- pipelined_requests eval
["GET /v6", "GET /v4only"]
--- response_body eval
["::1\n", "nilv6.nlf.test could not be resolved (3: Host not found)\nboth: 127.0.0.1 only\n"]
--- allow_error_log eval
[qr/could not be resolved/]

=== TEST 6: a name with several addresses: each connect picks one of them
--- http_config
    server {
        listen 127.0.0.2:$TEST_NGINX_PORT_1;
        listen 127.0.0.3:$TEST_NGINX_PORT_1;
        location / { return 200 "$server_addr\n"; }
    }
--- config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
    location = /t {
        content_by_lua_block {
            local seen = {}
            -- both are picked in 40 tries but with a chance of 2^-39
            for _ = 1, 40 do
                local sock = ngx.socket.tcp()
                assert(sock:connect("multi.nlf.test", $TEST_NGINX_PORT_1))
                sock:send("GET / HTTP/1.0\r\n\r\n")
                repeat local line = sock:receive() until line == ""
                seen[sock:receive()] = true
                sock:close()
            end
            ngx.say(seen["127.0.0.2"], " ", seen["127.0.0.3"])
        }
    }
--- request
GET /t
--- response_body
true true

=== TEST 7: the client aborts while the name is resolved: the resolution is dropped
--- config
    resolver 127.0.0.1:$TEST_NGINX_UDP_SINK_PORT;
    resolver_timeout 2s;
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:connect("a.nlf.test", 80)
            ngx.log(ngx.ERR, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.3
--- log_level: debug
--- error_log
resolve name done: -2
--- no_error_log
handler went on

=== TEST 8: a thread killed while it resolves; another thread meanwhile; a timer uses the http{} resolver
--- http_config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
--- config
    location = /t {
        resolver 127.0.0.1:$TEST_NGINX_UDP_SINK_PORT;
        resolver_timeout 5s;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local th = ngx.thread.spawn(function() return sock:connect("a.nlf.test", 80) end)
            ngx.say("meanwhile: ", sock:send("x"))
            ngx.say("connect again: ", sock:connect("127.0.0.1", 80))
            ngx.say("kill: ", ngx.thread.kill(th))
            ngx.say("after: ", sock:send("x"))
            local got
            ngx.timer.at(0, function()
                local s = ngx.socket.tcp()
                got = { s:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT) }
            end)
            while not got do ngx.sleep(0.01) end
            ngx.say("timer: ", got[1], got[2])
        }
    }
--- request
GET /t
--- response_body
meanwhile: nilsocket busy connecting
connect again: nilsocket busy connecting
kill: 1
after: nilclosed
timer: 1nil
--- log_level: debug
--- error_log
resolve name done: -2

=== TEST 9: pools and names: an idle pooled connection is reused without a lookup, and a connect queued behind a full pool resolves its name once its turn comes
--- config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
    location = /peer { return 200 "$connection\n"; }
    location = /t {
        content_by_lua_block {
            local function ask(sock)
                sock:send("GET /peer HTTP/1.1\r\nHost: x\r\n\r\n")
                repeat local line = sock:receive() until line == ""
                return sock:receive()
            end
            local sock = ngx.socket.tcp()
            assert(sock:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT))
            local first = ask(sock)
            assert(sock:setkeepalive())
            assert(sock:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT))
            ngx.say("reused: ", sock:getreusedtimes(), " same peer connection: ", ask(sock) == first)
            sock:close()

            local opts = { pool = "named", pool_size = 1, backlog = 1 }
            local holder = ngx.socket.tcp()
            assert(holder:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT, opts))
            local queued = ngx.thread.spawn(function()
                local s = ngx.socket.tcp()
                local ok, err = s:connect("a.nlf.test", $TEST_NGINX_SERVER_PORT, opts)
                if not ok then return "queued connect: " .. err end
                return "queued connect: ok, reused " .. s:getreusedtimes() .. ", answer " .. type(ask(s))
            end)
            ngx.sleep(0.05)
            holder:close()
            ngx.say(select(2, ngx.thread.wait(queued)))
        }
    }
--- request
GET /t
--- response_body
reused: 1 same peer connection: true
queued connect: ok, reused 0, answer string

=== TEST 10: an answer that resumes Lua which cancels another wait on the same name (nginx answers every context waiting on a name in one loop: the cancelled one must not be freed inside it)
--- config
    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
    location = /t {
        content_by_lua_block {
            local function connect()
                local sock = ngx.socket.tcp()
                return sock:connect("nope.nlf.test", 80)
            end
            local first = ngx.thread.spawn(connect)
            local second = ngx.thread.spawn(connect)
            local third = ngx.thread.spawn(connect)
            ngx.say("first: ", select(3, ngx.thread.wait(first)))
            ngx.say("kill second: ", ngx.thread.kill(second))
            ngx.say("third: ", select(3, ngx.thread.wait(third)))
        }
    }
--- request
GET /t
--- response_body
first: nope.nlf.test could not be resolved (3: Host not found)
kill second: nilalready terminated
third: nope.nlf.test could not be resolved (3: Host not found)
--- allow_error_log eval
[qr/could not be resolved/]
--- no_error_log
could not cancel
