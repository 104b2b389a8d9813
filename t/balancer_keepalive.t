# balancer.enable_keepalive and balancer_keepalive: the upstream servers of the
# test's own nginx count the connections their requests came on (by $connection, in
# a shared dict that GET /conns reads), so a block sees how many the pool made.
use lib 't/lib';
use NgxTest;

our $Backends = <<'_EOC_';
    lua_shared_dict conns 1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location / {
            return 200 "a\n";
            log_by_lua_block { ngx.shared.conns:incr("1 " .. ngx.var.connection, 1, 0) }
        }
        location /slow {
            proxy_buffering off;
            content_by_lua_block {
                ngx.header.content_length = 10
                ngx.print("12345")
                ngx.flush(true)
                ngx.sleep(0.5)
                ngx.print("67890")
            }
            log_by_lua_block { ngx.shared.conns:incr("1 " .. ngx.var.connection, 1, 0) }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_2;
        keepalive_timeout 0;
        location / {
            return 200 "b\n";
            log_by_lua_block { ngx.shared.conns:incr("2 " .. ngx.var.connection, 1, 0) }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_3;
        keepalive_timeout 50ms;
        location / {
            return 200 "c\n";
            log_by_lua_block { ngx.shared.conns:incr("3 " .. ngx.var.connection, 1, 0) }
        }
    }
_EOC_

our $Front = <<'_EOC_';
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /t {
        rewrite_by_lua_block { if ngx.var.arg_sleep then ngx.sleep(tonumber(ngx.var.arg_sleep)) end }
        proxy_pass http://up;
    }
    location = /conns {
        content_by_lua_block { ngx.say(#ngx.shared.conns:get_keys()) }
    }
_EOC_

run_tests();
__DATA__

=== TEST 1: the upstream sees one connection for many requests; without enable_keepalive each has its own
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            if ngx.var.arg_ka then assert(balancer.enable_keepalive()) end
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?ka=1", "GET /t?ka=1", "GET /t?ka=1", "GET /t?ka=1", "GET /conns", "GET /t", "GET /t", "GET /conns"]
--- response_body eval
["a\n", "a\n", "a\n", "a\n", "1\n", "a\n", "a\n", "3\n"]
--- grep_error_log: balancer keepalive: reusing
--- grep_error_log_out eval
"balancer keepalive: reusing\n" x 3

=== TEST 2: max_requests: a connection serves that many requests, then closes
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(balancer.enable_keepalive(60, 2))
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /conns"]
--- no_repeat: /conns counts the connections of every request before it
--- response_body eval
["a\n", "a\n", "a\n", "a\n", "a\n", "3\n"]

=== TEST 3: idle_timeout: a connection idle longer is closed; 0 keeps it (until the worker exits)
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(balancer.enable_keepalive(tonumber(ngx.var.arg_idle)))
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?idle=0.05", "GET /t?idle=0&sleep=0.2", "GET /conns", "GET /t?idle=0&sleep=0.2", "GET /conns"]
--- response_body eval
["a\n", "a\n", "2\n", "a\n", "2\n"]
--- grep_error_log eval
qr/balancer keepalive: \w+/
--- grep_error_log_out
balancer keepalive: keeping
balancer keepalive: closing
balancer keepalive: keeping
balancer keepalive: reusing
balancer keepalive: keeping
balancer keepalive: closing

=== TEST 4: the upstream closes an idle connection: it leaves the pool, the next request makes a new one; the worker's exit closes the last
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_3))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t", "GET /t?sleep=0.2", "GET /t", "GET /conns"]
--- response_body eval
["c\n", "c\n", "c\n", "2\n"]
--- grep_error_log eval
qr/balancer keepalive: \w+/
--- grep_error_log_out
balancer keepalive: keeping
balancer keepalive: closing
balancer keepalive: keeping
balancer keepalive: reusing
balancer keepalive: keeping
balancer keepalive: closing

=== TEST 5: a response with "Connection: close" leaves its connection out of the pool
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t", "GET /t", "GET /t", "GET /conns"]
--- no_repeat: /conns counts the connections of every request before it
--- response_body eval
["b\n", "b\n", "b\n", "3\n"]
--- no_error_log
balancer keepalive: keeping

=== TEST 6: a response the client did not wait for (its body unfinished) leaves its connection out of the pool
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front . <<'_EOC_';
    location /slow {
        proxy_buffering off;
        proxy_pass http://up;
    }
_EOC_
--- request
GET /slow
--- timeout: 0.2
--- abort
--- wait: 0.6
--- error_log
client prematurely closed connection
--- no_error_log
balancer keepalive: keeping

=== TEST 7: connections are kept by host: two hosts on one peer, two connections
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1, ngx.var.arg_h))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?h=a.test", "GET /t?h=b.test", "GET /t?h=a.test", "GET /t?h=b.test", "GET /t?h=a.test", "GET /conns"]
--- response_body eval
["a\n", "a\n", "a\n", "a\n", "a\n", "2\n"]

=== TEST 8: balancer_keepalive sets the pool's size: the least recently kept connection is closed for a new one
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_keepalive 1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1, ngx.var.arg_h))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?h=a.test", "GET /t?h=b.test", "GET /t?h=a.test", "GET /t?h=a.test", "GET /conns"]
--- no_repeat: /conns counts the connections of every request before it
--- response_body eval
["a\n", "a\n", "a\n", "a\n", "3\n"]

=== TEST 9: balancer_keepalive refuses 0
--- http_config
    upstream up {
        balancer_keepalive 0;
        balancer_by_lua_block { }
    }
--- config
    location /t { proxy_pass http://up; }
--- must_die
--- error_log
invalid value "0" in "balancer_keepalive" directive

=== TEST 10: balancer_keepalive refuses a second one
--- http_config
    upstream up {
        balancer_keepalive 2;
        balancer_keepalive 3;
        balancer_by_lua_block { }
    }
--- config
    location /t { proxy_pass http://up; }
--- must_die
--- error_log
"balancer_keepalive" directive is duplicate

=== TEST 11: a reload while connections are pooled: the old worker closes them as it exits, nothing is left open
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            assert(balancer.enable_keepalive(0, 0))
        }
    }
_EOC_
--- config eval
$::Front
--- reload_between
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["a\n", "a\n"]
--- grep_error_log eval
qr/balancer keepalive: \w+/
--- grep_error_log_out
balancer keepalive: keeping
balancer keepalive: closing
balancer keepalive: keeping
balancer keepalive: closing
--- no_error_log
open socket

=== TEST 12: enable_keepalive's arguments, a call before set_current_peer, and outside the balancer
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "no peer: ", select(2, balancer.enable_keepalive()))
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.log(ngx.NOTICE, "#1: ", select(2, pcall(balancer.enable_keepalive, "60")))
            ngx.log(ngx.NOTICE, "#1 < 0: ", select(2, pcall(balancer.enable_keepalive, -1)))
            ngx.log(ngx.NOTICE, "#2: ", select(2, pcall(balancer.enable_keepalive, 1, {})))
            ngx.log(ngx.NOTICE, "#2 < 0: ", select(2, pcall(balancer.enable_keepalive, 1, -1)))
            assert(balancer.enable_keepalive(0.5, 10))
        }
    }
_EOC_
--- config eval
$::Front . <<'_EOC_';
    location = /content {
        content_by_lua_block { ngx.say(select(2, require("ngx.balancer").enable_keepalive())) }
    }
_EOC_
--- request eval
["GET /t", "GET /content"]
--- response_body eval
["a\n", "no upstream found\n"]
--- error_log
no peer: no current peer set
#1: bad argument #1 to 'enable_keepalive' (number expected, got string)
#1 < 0: bad argument #1 to 'enable_keepalive' (expected >= 0)
#2: bad argument #2 to 'enable_keepalive' (number expected, got table)
#2 < 0: bad argument #2 to 'enable_keepalive' (expected >= 0)

=== TEST 13: enable_keepalive is JIT-compiled
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        balancer_by_lua_block {
            require("jit.v").on()
            local balancer = require "ngx.balancer"
            local set_current_peer, enable_keepalive = balancer.set_current_peer, balancer.enable_keepalive
            local n = 0
            for i = 1, 300 do
                if set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1) and enable_keepalive(10, 50) then n = n + 1 end
            end
            ngx.log(ngx.NOTICE, "n: ", n)
        }
    }
_EOC_
--- config eval
$::Front
--- request
GET /t
--- response_body
a
--- error_log eval
["n: 300", qr/\[TRACE\s+\d+ balancer_by_lua\(nginx\.conf:\d+\):6 loop\]/]
--- no_error_log
NYI

=== TEST 14: nginx's keepalive after balancer_by_lua* wraps it, as in OpenResty's synopsis: one connection too
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
        }
        keepalive 10;
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t", "GET /t", "GET /t", "GET /conns"]
--- response_body eval
["a\n", "a\n", "a\n", "1\n"]
--- no_error_log
balancer keepalive: keeping
