# balancer_by_lua* and ngx.balancer, against real upstream servers of the test's
# own nginx: two that answer, one that answers 502, one that hangs, and a port
# nothing listens on ($TEST_NGINX_PORT_5).
use lib 't/lib';
use NgxTest;

our $Backends = <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        listen [::1]:$TEST_NGINX_PORT_1;
        listen unix:$TEST_NGINX_PREFIX/logs/a.sock;
        location / { return 200 "a $request_uri\n"; }
        location /from { return 200 "from $remote_addr\n"; }
        location /missing { return 404; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_2;
        location / { return 200 "b $http_x_try\n"; }
        location /body {
            content_by_lua_block {
                ngx.req.read_body()
                ngx.say("b ", ngx.var.http_x_try, " ", ngx.req.get_body_data())
            }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_3;
        location / { return 502; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_4;
        location / { content_by_lua_block { ngx.sleep(1) ngx.say("late") } }
    }
_EOC_

run_tests();
__DATA__

=== TEST 1: set_current_peer picks the peer of each request; the phase is "balancer", ngx.var works
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "phase: ", ngx.get_phase(), ", uri: ", ngx.var.uri)
            local port = ngx.var.arg_p == "2" and $TEST_NGINX_PORT_2 or $TEST_NGINX_PORT_1
            assert(balancer.set_current_peer("127.0.0.1", port))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request eval
["GET /t?p=1", "GET /t?p=2"]
--- response_body eval
["a /t?p=1\n", "b \n"]
--- error_log
phase: balancer, uri: /t

=== TEST 2: IPv6 and unix: peers, a port given in the address
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local p = ngx.var.arg_p
            local ok, err
            if p == "v6" then
                ok, err = balancer.set_current_peer("[::1]", $TEST_NGINX_PORT_1)
            elseif p == "unix" then
                ok, err = balancer.set_current_peer("unix:$TEST_NGINX_PREFIX/logs/a.sock")
            else
                ok, err = balancer.set_current_peer("127.0.0.1:$TEST_NGINX_PORT_1")
            end
            if not ok then ngx.log(ngx.ERR, "set_current_peer: ", err) end
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request eval
["GET /t?p=v6", "GET /t?p=unix", "GET /t?p=inaddr"]
--- response_body eval
["a /t?p=v6\n", "a /t?p=unix\n", "a /t?p=inaddr\n"]
--- no_error_log
set_current_peer:

=== TEST 3: ngx.ctx is the request's: set in rewrite, seen and changed in the balancer, seen in log
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", ngx.ctx.port))
            ngx.ctx.chosen = "by balancer"
        }
    }
_EOC_
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.port = $TEST_NGINX_PORT_2 }
        proxy_pass http://up;
        log_by_lua_block { ngx.log(ngx.NOTICE, "ctx: ", ngx.ctx.chosen) }
    }
--- request
GET /t
--- response_body
b 
--- error_log
ctx: by balancer

=== TEST 4: a refused peer: the retry runs the code again, get_last_failure says why
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state, status = balancer.get_last_failure()
            ngx.log(ngx.NOTICE, "last failure: ", state, " ", status)
            if not state then
                assert(balancer.set_more_tries(1))
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
            else
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            end
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- response_body
b 
--- error_log
last failure: nil nil
last failure: failed 502
Connection refused

=== TEST 5: without set_more_tries a failed try is the last one
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "try: ", tostring(balancer.get_last_failure()))
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 Bad Gateway
--- error_log
try: nil
Connection refused
--- no_error_log
try: failed

=== TEST 6: a peer answering 502 with proxy_next_upstream http_502
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state, status = balancer.get_last_failure()
            if not state then
                balancer.set_more_tries(1)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_3))
            else
                ngx.log(ngx.NOTICE, "last failure: ", state, " ", status)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            end
        }
    }
_EOC_
--- config
    location /t {
        proxy_next_upstream error http_502;
        proxy_pass http://up;
    }
--- request
GET /t
--- response_body
b 
--- error_log
last failure: failed 502

=== TEST 7: a peer that hangs times out (proxy_read_timeout): next try, 504 as the last failure
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state, status = balancer.get_last_failure()
            if not state then
                balancer.set_more_tries(1)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_4))
            else
                ngx.log(ngx.NOTICE, "last failure: ", state, " ", status)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            end
        }
    }
_EOC_
--- config
    location /t {
        proxy_read_timeout 100ms;
        proxy_next_upstream error timeout;
        proxy_pass http://up;
    }
--- request
GET /t
--- response_body
b 
--- error_log
upstream timed out
last failure: failed 504

=== TEST 8: set_timeouts applies to this request only
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_4))
            if ngx.var.arg_short then
                assert(balancer.set_timeouts(1, 1, 0.1))
            end
        }
    }
_EOC_
--- config
    location /t {
        proxy_read_timeout 3s;
        proxy_pass http://up;
    }
--- request eval
["GET /t?short=1", "GET /t"]
--- error_code eval
[504, 200]
--- response_body_like eval
["504 Gateway", "late"]
--- error_log
upstream timed out

=== TEST 9: set_more_tries beyond proxy_next_upstream_tries is cut down, with a warning
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if not balancer.get_last_failure() then
                local ok, err = balancer.set_more_tries(5)
                ngx.log(ngx.NOTICE, "more tries: ", ok, " ", err)
            end
            ngx.log(ngx.NOTICE, "trying")
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
        }
    }
_EOC_
--- config
    location /t {
        proxy_next_upstream_tries 2;
        proxy_pass http://up;
    }
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 Bad Gateway
--- error_log eval
["more tries: true reduced tries due to limit", "Connection refused"]
--- grep_error_log: trying
--- grep_error_log_out
trying
trying

=== TEST 10: bad input to set_current_peer and set_timeouts
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local function show(...) ngx.log(ngx.NOTICE, "got: ", table.concat({...}, "|")) end
            show(tostring(balancer.set_current_peer("foo bar", 80)), select(2, balancer.set_current_peer("foo bar", 80)))
            show(select(2, balancer.set_current_peer("localhost", 80)))
            show(select(2, balancer.set_current_peer("127.0.0.1", 70000)))
            show(select(2, balancer.set_current_peer("127.0.0.1", -1)))
            show(select(2, balancer.set_current_peer("::1", 80)))
            show(select(2, pcall(balancer.set_current_peer, "127.0.0.1", 80, 12)))
            show(select(2, pcall(balancer.set_timeouts, -1)))
            show(select(2, pcall(balancer.set_timeouts, 1, "x")))
            show(select(2, pcall(balancer.set_timeouts, 1, 1, 0)))
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- response_body
a /t
--- error_log
got: nil|no host allowed
got: no host allowed
got: invalid port
got: invalid port
got: invalid port
got: bad host arg: string expected
got: bad connect timeout
got: bad send timeout
got: bad read timeout

=== TEST 11: what cannot run in a balancer is refused; ngx.shared, ngx.re and ngx.log work
--- http_config eval
$::Backends . <<'_EOC_';
    lua_shared_dict d 1m;
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "sleep: ", select(2, pcall(ngx.sleep, 0.01)))
            ngx.log(ngx.NOTICE, "say: ", select(2, pcall(ngx.say, "x")))
            ngx.log(ngx.NOTICE, "spawn: ", select(2, pcall(ngx.thread.spawn, function() end)))
            ngx.shared.d:set("k", 41)
            local m = ngx.re.match("port=" .. $TEST_NGINX_PORT_1, [[port=(\d+)]], "jo")
            ngx.log(ngx.NOTICE, "dict: ", ngx.shared.d:incr("k", 1))
            assert(balancer.set_current_peer("127.0.0.1", tonumber(m[1])))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- response_body
a /t
--- error_log
sleep: API disabled in the context of balancer_by_lua*
say: API disabled in the context of balancer_by_lua*
spawn: API disabled in the context of balancer_by_lua*
dict: 42

=== TEST 12: an error in the code fails the request with OpenResty's log line
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            error("no peer for you")
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
qr/failed to run balancer_by_lua\*: balancer_by_lua\(nginx\.conf:\d+\):2: no peer for you/

=== TEST 13: ngx.exit(ngx.ERROR) fails the try; ngx.exit(403) becomes 500 on stock nginx, and the log says why
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if ngx.var.arg_e == "error" then ngx.exit(ngx.ERROR) end
            if ngx.var.arg_e == "403" then ngx.exit(403) end
            if ngx.var.arg_e == "ok" then
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
                ngx.exit(ngx.OK)
            end
            ngx.log(ngx.ERR, "not reached")
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request eval
["GET /t?e=error", "GET /t?e=403", "GET /t?e=ok"]
--- error_code eval
[500, 500, 200]
--- response_body_like eval
["500 Internal", "500 Internal", "a /t"]
--- error_log
balancer_by_lua*: ngx.exit(403) cannot set the response status on stock nginx, the request ends with 500
--- no_error_log
not reached

=== TEST 14: recreate_request: a retry sends the request made anew from the variables the code set
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if not balancer.get_last_failure() then
                balancer.set_more_tries(1)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
                return
            end
            ngx.var.try = "second"
            ngx.log(ngx.NOTICE, "recreate: ", balancer.recreate_request())
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
        }
    }
_EOC_
--- config
    location /t {
        set $try first;
        proxy_set_header X-Try $try;
        proxy_pass http://up;
    }
--- request
GET /t
--- response_body
b second
--- error_log
recreate: true
Connection refused

=== TEST 15: outside balancer_by_lua* the functions refuse, as OpenResty
--- config
    location /t {
        content_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.say(balancer.set_current_peer("127.0.0.1", 80))
            ngx.say(balancer.set_more_tries(1))
            ngx.say(balancer.get_last_failure())
            ngx.say(balancer.set_timeouts(1, 1, 1))
            ngx.say(balancer.recreate_request())
        }
    }
--- request
GET /t
--- response_body
nilno upstream found
nilno upstream found
nilnilno upstream found
falseno upstream found
nilno upstream found

=== TEST 16: the client goes away while a try hangs: the request ends, nothing leaks
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "balancing")
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_4))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.3
--- error_log
balancing
client prematurely closed connection

=== TEST 17: balancer_by_lua_file
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_file html/pick.lua;
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- user_files eval
">>> pick.lua
local balancer = require 'ngx.balancer'
assert(balancer.set_current_peer('127.0.0.1', tonumber(ngx.var.arg_port)))
"
--- request
GET /t?port=$TEST_NGINX_PORT_2
--- response_body
b 

=== TEST 18: the ngx.balancer calls are JIT-compiled
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            require("jit.v").on()
            local balancer = require "ngx.balancer"
            local set_current_peer, get_last_failure = balancer.set_current_peer, balancer.get_last_failure
            local n = 0
            for i = 1, 300 do
                if set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1) and not get_last_failure() then n = n + 1 end
            end
            for i = 1, 300 do
                if balancer.set_more_tries(0) and balancer.set_timeouts(10, 10, 10) then n = n + 1 end
            end
            ngx.log(ngx.NOTICE, "n: ", n)
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- response_body
a /t
--- error_log eval
["n: 600", qr/\[TRACE\s+\d+ balancer_by_lua\(nginx\.conf:\d+\):6 loop\]/, qr/\[TRACE\s+\d+ balancer_by_lua\(nginx\.conf:\d+\):9 loop\]/]
--- no_error_log
NYI

=== TEST 19: bind_to_local_addr: the upstream connection comes from that address
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "bad: ", select(2, balancer.bind_to_local_addr("foo bar")))
            ngx.log(ngx.NOTICE, "type: ", select(2, pcall(balancer.bind_to_local_addr, 12)))
            assert(balancer.bind_to_local_addr("127.0.0.2"))
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
        }
    }
_EOC_
--- config
    location /from { proxy_pass http://up; }
--- request
GET /from
--- response_body
from 127.0.0.2
--- error_log
bad: invalid addr
type: bad addr arg: string expected

=== TEST 20: set_upstream_tls(false) speaks plain HTTP to an https:// upstream; on needs TLS settings
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if ngx.var.arg_on then
                ngx.log(ngx.NOTICE, "on: ", select(2, balancer.set_upstream_tls(true)))
            else
                assert(balancer.set_upstream_tls(false))
            end
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
        }
    }
_EOC_
--- config
    location /tls { proxy_pass https://up; }
    location /plain { proxy_pass http://up; }
--- request eval
["GET /tls", "GET /plain?on=1"]
--- response_body eval
["a /tls\n", "a /plain?on=1\n"]
--- error_log
on: no TLS settings for this upstream (proxy_pass https:// or proxy_ssl_*)

=== TEST 21: a 404 with proxy_next_upstream http_404 lets the peer go as "next"
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state, status = balancer.get_last_failure()
            if not state then
                balancer.set_more_tries(1)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            else
                ngx.log(ngx.NOTICE, "last failure: ", state, " ", status)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            end
        }
    }
_EOC_
--- config
    location /missing {
        proxy_next_upstream error http_404;
        proxy_pass http://up;
    }
--- request
GET /missing
--- response_body
b 
--- error_log
last failure: next 404



=== TEST 22: recreate_request keeps the request body: the retry's upstream reads all of it
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if not balancer.get_last_failure() then
                balancer.set_more_tries(1)
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
                return
            end
            ngx.var.try = "second"
            assert(balancer.recreate_request())
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
        }
    }
_EOC_
--- config
    location /body {
        set $try first;
        proxy_set_header X-Try $try;
        proxy_pass http://up;
    }
--- request
POST /body
hello body
--- response_body
b second hello body
--- error_log
Connection refused

=== TEST 23: ngx.exit(ngx.DECLINED) fails the try: the next try runs (get_last_failure says "failed"), and without one the request ends with 502
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state = balancer.get_last_failure()
            ngx.log(ngx.NOTICE, "try after: ", state)
            if not state then
                if ngx.var.arg_retry then assert(balancer.set_more_tries(1)) end
                return ngx.exit(ngx.DECLINED)
            end
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request eval
["GET /t?retry=1", "GET /t"]
--- error_code eval
[200, 502]
--- response_body_like eval
["b ", "502 Bad Gateway"]
--- grep_error_log: try after: failed
--- grep_error_log_out
try after: failed

=== TEST 24: ngx.exit(200) fails the request with 500 as in OpenResty (statuses other than OK, ERROR and DECLINED do)
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            ngx.exit(200)
        }
    }
_EOC_
--- config
    location /t { proxy_pass http://up; }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- no_error_log
cannot set the response status

=== TEST 25: a try where the code sets no peer: the placeholder is never connected to ("lua balancer: no peer set", 500), a real server of the upstream is
--- http_config eval
$::Backends . <<'_EOC_';
    upstream placeholder {
        server 0.0.0.1;
        balancer_by_lua_block { }
    }
    upstream none {
        balancer_by_lua_block { }
    }
    upstream real {
        server 127.0.0.1:$TEST_NGINX_PORT_1;
        balancer_by_lua_block { }
    }
_EOC_
--- config
    location /placeholder { proxy_pass http://placeholder; }
    location /none { proxy_pass http://none; }
    location /real { proxy_pass http://real; }
--- request eval
["GET /placeholder", "GET /none", "GET /real"]
--- error_code eval
[500, 500, 200]
--- response_body_like eval
["500 Internal Server Error", "500 Internal Server Error", "a /real"]
--- grep_error_log: lua balancer: no peer set
--- grep_error_log_out
lua balancer: no peer set
lua balancer: no peer set
--- error_log
lua balancer: no peer set

=== TEST 26: hash before balancer_by_lua* stays underneath: a try without a peer set goes where the hash says
--- http_config eval
$::Backends . <<'_EOC_';
    lua_shared_dict seen 1m;
    upstream up {
        server 127.0.0.1:$TEST_NGINX_PORT_1;
        server 127.0.0.1:$TEST_NGINX_PORT_2;
        hash $arg_k;
        balancer_by_lua_block { }
    }
_EOC_
--- config
    location /t {
        proxy_pass http://up;
        log_by_lua_block { ngx.shared.seen:set(ngx.var.upstream_addr, true) }
    }
    location = /seen {
        content_by_lua_block { ngx.say(#ngx.shared.seen:get_keys()) }
    }
--- request eval
["GET /t?k=key", "GET /t?k=key", "GET /t?k=key", "GET /t?k=key", "GET /seen"]
--- response_body_like eval
["^[ab] ", "^[ab] ", "^[ab] ", "^[ab] ", "^1\n"]
--- error_log
load balancing method redefined

=== TEST 27: after an error in the code the request's other phases are not in the balancer's context
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            ngx.ctx.tried = true
            error("no peer for you")
        }
    }
_EOC_
--- config
    location /t {
        proxy_pass http://up;
        log_by_lua_block {
            local balancer = require "ngx.balancer"
            ngx.log(ngx.NOTICE, "tried: ", ngx.ctx.tried, ", in log: ",
                    select(2, balancer.set_current_peer("127.0.0.1", 80)), ", ", ngx.get_phase())
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
[qr/failed to run balancer_by_lua\*: .*no peer for you/, "tried: true, in log: API disabled in the current context, log"]

=== TEST 28: set_upstream_tls changes the scheme nginx reports the upstream with
--- http_config eval
$::Backends . <<'_EOC_';
    upstream up {
        server 0.0.0.1;
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_upstream_tls(false))
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_5))
        }
    }
_EOC_
--- config
    location /t { proxy_pass https://up; }
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 Bad Gateway
--- error_log eval
qr/Connection refused\) while connecting to upstream, .*upstream: "http:\/\/127\.0\.0\.1:\d+\/t"/
