# ngx.var: reading and writing nginx variables.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: built-in variables, any case
--- config
    location = /t {
        content_by_lua_block {
            local var = ngx.var
            ngx.say(var.uri, " ", var.args, " ", var.request_method, " ", var.host)
            ngx.say(var.URI, " ", var.Request_Method)
        }
    }
--- request
GET /t?a=1
--- response_body
/t a=1 GET localhost
/t GET

=== TEST 2: prefix variables: $arg_*, $http_*, $cookie_*
--- config
    location = /t {
        content_by_lua_block {
            local var = ngx.var
            ngx.say(var.arg_a, " ", var.arg_b, " ", tostring(var.arg_missing))
            ngx.say(var.http_x_foo, " ", var.http_user_agent, " ", tostring(var.http_x_none))
            ngx.say(var.cookie_session, " ", var.cookie_theme, " ", tostring(var.cookie_none))
        }
    }
--- request
GET /t?a=1&b=two%20words
--- more_headers
X-Foo: bar
User-Agent: agent/1.0
Cookie: session=abc; theme=dark
--- response_body
1 two%20words nil
bar agent/1.0 nil
abc dark nil

=== TEST 3: $sent_http_* in log_by_lua sees the response header
--- config
    location = /t {
        add_header X-Sent yes;
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.log(ngx.WARN, "sent: ", ngx.var.sent_http_x_sent, " ", ngx.var.sent_http_content_type,
                    " status ", ngx.var.status)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
sent: yes text/plain status 200

=== TEST 4: regex captures of the location are ngx.var[n]
--- config
    location ~ ^/t/(\w+)/(\d+)$ {
        content_by_lua_block {
            ngx.say(ngx.var[1], " ", ngx.var[2], " ", tostring(ngx.var[3]), " ", tostring(ngx.var[0]),
                    " ", tostring(ngx.var[-1]))
        }
    }
--- request
GET /t/name/42
--- response_body
name 42 nil nil nil

=== TEST 5: no captures at all
--- config
    location = /t {
        content_by_lua_block { ngx.say(tostring(ngx.var[1])) }
    }
--- request
GET /t
--- response_body
nil

=== TEST 6: user variables: read, write, numbers, clear with nil
--- config
    location = /t {
        set $foo "initial";
        set $empty "";
        content_by_lua_block {
            local var = ngx.var
            ngx.say(var.foo, " [", var.empty, "]")
            var.foo = "changed"
            ngx.say(var.foo)
            var.foo = 3.5
            ngx.say(var.foo, " ", type(var.foo))
            var.foo = true
            ngx.say(var.foo)
            var.foo = nil
            ngx.say(tostring(var.foo))
        }
    }
--- request
GET /t
--- response_body
initial []
changed
3.5 string
true
nil

=== TEST 7: a value set in rewrite is what nginx sees later
--- config
    location = /t {
        set $target "";
        rewrite_by_lua_block { ngx.var.target = "from-lua" }
        add_header X-Target $target;
        content_by_lua_block { ngx.say(ngx.var.target) }
    }
--- request
GET /t
--- response_headers
X-Target: from-lua
--- response_body
from-lua

=== TEST 8: a changeable built-in: $args
--- config
    location = /t {
        content_by_lua_block {
            ngx.var.args = "a=new&b=2"
            ngx.say(ngx.var.args, " ", ngx.var.arg_a, " ", ngx.req.get_uri_args().b)
        }
    }
--- request
GET /t?a=old
--- response_body
a=new&b=2 new 2

=== TEST 9: variables that cannot be written
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.var.uri = "/x" end)
            ngx.say(err)
            ok, err = pcall(function() ngx.var.undefined_var = "x" end)
            ngx.say(err)
            ok, err = pcall(function() ngx.var.arg_a = "x" end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: variable "uri" not changeable
content_by_lua\(nginx\.conf:\d+\):4: variable "undefined_var" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$undefined_var '';" in the config file to define it first
content_by_lua\(nginx\.conf:\d+\):6: variable "arg_a" not found for writing; .*$

=== TEST 10: bad names and values
--- config
    location = /t {
        set $foo "";
        content_by_lua_block {
            local ok, err = pcall(function() return ngx.var[true] end)
            ngx.say(err)
            ok, err = pcall(function() ngx.var[{}] = "x" end)
            ngx.say(err)
            ok, err = pcall(function() ngx.var.foo = {} end)
            ngx.say(err)
            ok, err = pcall(function() ngx.var.foo = print end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: bad variable name
content_by_lua\(nginx\.conf:\d+\):4: bad variable name
content_by_lua\(nginx\.conf:\d+\):6: bad value for ngx\.var\.foo \(string, number, boolean or nil expected, got table\)
content_by_lua\(nginx\.conf:\d+\):8: bad value for ngx\.var\.foo \(string, number, boolean or nil expected, got function\)$

=== TEST 11: an unknown variable reads as nil
--- config
    location = /t {
        content_by_lua_block { ngx.say(tostring(ngx.var.no_such_variable)) }
    }
--- request
GET /t
--- response_body
nil

=== TEST 12: more names than the per-worker handle table holds
--- config
    large_client_header_buffers 4 32k;
    location = /t {
        content_by_lua_block {
            local n = 0
            -- the second round reads the same names again: from the table or by name
            for round = 1, 2 do
                for i = 1, 1500 do
                    if ngx.var["arg_k" .. i] == tostring(i) then n = n + 1 end
                end
            end
            local ok, err = pcall(function() ngx.var["y_" .. 1] = "x" end)
            ngx.say(n, " ", err)
        }
    }
--- request eval
"GET /t?" . join("&", map { "k$_=$_" } 1 .. 1500)
--- response_body_like chomp
^3000 content_by_lua\(nginx\.conf:\d+\):9: variable "y_1" not found for writing

=== TEST 13: rewrite, access, content and log phases
--- config
    location = /t {
        set $trace "";
        rewrite_by_lua_block { ngx.var.trace = ngx.var.trace .. "rewrite," }
        access_by_lua_block { ngx.var.trace = ngx.var.trace .. "access," }
        content_by_lua_block { ngx.var.trace = ngx.var.trace .. "content," ngx.say(ngx.var.trace) }
        log_by_lua_block { ngx.log(ngx.WARN, "trace: ", ngx.var.trace, "log") }
    }
--- request
GET /t
--- response_body
rewrite,access,content,
--- error_log
trace: rewrite,access,content,log

=== TEST 14: refused without a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(function() return ngx.var.uri end)
        ngx.log(ngx.WARN, "init: ", err)
    }
    init_worker_by_lua_block {
        local ok, err = pcall(function() ngx.var.foo = 1 end)
        ngx.log(ngx.WARN, "init_worker: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/init: init_by_lua\(nginx\.conf:\d+\):2: no request found/,
 qr/init_worker: init_worker_by_lua\(nginx\.conf:\d+\):2: API disabled in the current context/]

=== TEST 15: reads and writes are JIT-compiled
--- config
    location = /t {
        set $foo "";
        content_by_lua_block {
            require("jit.v").on()
            local var = ngx.var
            local n = 0
            for i = 1, 300 do
                n = n + #var.uri
            end
            for i = 1, 300 do
                var.foo = "v"
            end
            for i = 1, 300 do
                n = n + #var.arg_a
            end
            ngx.say(n, " ", var.foo)
        }
    }
--- request
GET /t?a=xy
--- response_body
1200 v
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):11 loop\]/]
--- no_error_log
NYI
