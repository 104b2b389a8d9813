# Request headers: ngx.req.get_headers, set_header, clear_header, and the ngx.req
# module's add_header.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: lower-cased names, dash-or-underscore lookup, repeated headers as arrays
--- config
    location = /t {
        content_by_lua_block {
            local h = ngx.req.get_headers()
            ngx.say(h["x-foo"], " ", h.x_foo, " ", h.X_Foo, " ", h["X-Foo"], " ", tostring(h.nope))
            ngx.say(type(h["x-multi"]), " ", table.concat(h["x-multi"], ","))
            ngx.say(h.host, " ", h.user_agent)
        }
    }
--- request
GET /t
--- more_headers
X-Foo: bar
User-Agent: agent/1
X-Multi: 1
X-Multi: 2
X-Multi: 3
--- response_body
bar bar bar bar nil
table 1,2,3
localhost agent/1

=== TEST 2: raw names keep their case, with no metatable
--- config
    location = /t {
        content_by_lua_block {
            local h = ngx.req.get_headers(nil, true)
            ngx.say(h["X-Mixed-Case"], " ", tostring(h["x-mixed-case"]), " ",
                    tostring(getmetatable(h)))
        }
    }
--- request
GET /t
--- more_headers
X-Mixed-Case: yes
--- response_body
yes nil nil

=== TEST 3: the default limit of 100, "truncated", and no limit
--- config
    location = /t {
        content_by_lua_block {
            local function count(t)
                local n = 0
                for _, v in pairs(t) do n = n + (type(v) == "table" and #v or 1) end
                return n
            end
            local h, err = ngx.req.get_headers()
            ngx.say(count(h), " ", err)
            h, err = ngx.req.get_headers(0)
            ngx.say(count(h), " ", tostring(err))
            h, err = ngx.req.get_headers(3)
            ngx.say(count(h), " ", err, " ", h.host)
            h, err = ngx.req.get_headers(200)
            ngx.say(count(h), " ", tostring(err))
        }
    }
--- request
GET /t
--- more_headers eval
join "\n", map { "X-H$_: $_" } 1 .. 110
--- response_body
100 truncated
112 nil
3 truncated localhost
112 nil

=== TEST 4: bad limits
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.req.get_headers, "10")
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
bad argument #1 to 'get_headers' (number expected, got string)

=== TEST 5: set, replace, multi-value, clear
--- config
    location = /t {
        content_by_lua_block {
            local req = ngx.req
            req.set_header("X-New", "new")
            req.set_header("X-Old", "replaced")
            req.set_header("X-Multi", { "a", "b", 3 })
            req.set_header("X-Gone", nil)
            req.clear_header("X-Gone-Too")
            req.set_header("X-Empty", "")
            local h = req.get_headers()
            ngx.say(h["x-new"], " ", h["x-old"], " ", table.concat(h["x-multi"], ","), " ",
                    tostring(h["x-gone"]), " ", tostring(h["x-gone-too"]), " ", tostring(h["x-empty"]))
            ngx.say(ngx.var.http_x_old, " ", ngx.var.http_x_new)
            req.set_header("X-Multi", "single")
            ngx.say(req.get_headers()["x-multi"])
        }
    }
--- request
GET /t
--- more_headers
X-Old: old
X-Gone: 1
X-Gone-Too: 2
X-Empty: was here
--- response_body
new replaced a,b,3 nil nil nil
replaced new
single

=== TEST 6: headers nginx keeps in dedicated fields
--- config
    location = /t {
        content_by_lua_block {
            local req, var = ngx.req, ngx.var
            req.set_header("Host", "Example.COM.:8080")
            req.set_header("User-Agent", "lua-agent")
            req.set_header("Referer", "http://ref/")
            req.set_header("Cookie", { "a=1", "b=2" })
            req.set_header("X-Forwarded-For", { "10.0.0.1", "10.0.0.2" })
            req.set_header("Content-Length", "12")
            req.set_header("Content-Type", "text/x-lua")
            ngx.say(var.host, " | ", var.http_host, " | ", var.http_user_agent, " | ", var.http_referer)
            ngx.say(var.cookie_a, " ", var.cookie_b, " | ", var.http_cookie)
            ngx.say(var.http_x_forwarded_for)
            ngx.say(var.content_length, " ", var.content_type)
            req.clear_header("Cookie")
            req.clear_header("X-Forwarded-For")
            req.clear_header("User-Agent")
            ngx.say(tostring(var.cookie_a), " ", tostring(var.http_x_forwarded_for), " ",
                    tostring(var.http_user_agent))
        }
    }
--- request
POST /t
--- more_headers
Cookie: old=1
User-Agent: old
Transfer-Encoding: chunked
--- request_body eval
# the body the handler leaves unread is discarded by its framing (chunked), not by
# the Content-Length set above
"c\r\n123456789012\r\n0\r\n\r\n"
--- response_body
example.com | Example.COM.:8080 | lua-agent | http://ref/
1 2 | a=1; b=2
10.0.0.1, 10.0.0.2
12 text/x-lua
nil nil nil

=== TEST 7: Authorization: nginx parses the new credentials
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.var.remote_user))
            ngx.req.set_header("Authorization", "Basic dXNlcjpwdw==")
            ngx.say(ngx.var.remote_user)
        }
    }
--- request
GET /t
--- response_body
nil
user

=== TEST 8: invalid Host and Content-Length values are refused, and nothing changes
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.req.set_header("Host", "a/b") end)
            ngx.say(err)
            ok, err = pcall(function() ngx.req.set_header("Content-Length", "12abc") end)
            ngx.say(err)
            ngx.say(ngx.var.host, " ", ngx.req.get_headers().host, " ",
                    tostring(ngx.req.get_headers()["content-length"]))
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: invalid Host header value
content_by_lua\(nginx\.conf:\d+\):4: invalid Content-Length header value
localhost localhost nil$

=== TEST 9: removing headers keeps nginx's fields pointing at the right entries
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 44 do ngx.req.clear_header("X-" .. i) end
            ngx.say(ngx.var.http_user_agent, " ", ngx.var.http_referer, " ", ngx.var.host)
            for i = 1, 30 do ngx.req.set_header("Y-" .. i, i) end
            local h = ngx.req.get_headers(0)
            local n = 0
            for _ in pairs(h) do n = n + 1 end
            ngx.say(n, " ", h["x-45"], " ", h["y-30"], " ", h["user-agent"], " ", ngx.var.http_user_agent)
            ngx.req.clear_header("X-45")
            ngx.req.set_header("Referer", "new")
            ngx.say(ngx.var.http_referer, " ", tostring(ngx.req.get_headers()["x-45"]))
        }
    }
--- request
GET /t
--- more_headers eval
join("\n", map { "X-$_: $_" } 1 .. 45) . "\nUser-Agent: ua\nReferer: ref"
--- response_body
ua ref localhost
35 45 30 ua ua
new nil

=== TEST 10: the upstream sees the changed header
--- config
    location = /t {
        rewrite_by_lua_block {
            local req = ngx.req
            req.set_header("X-Added", "1")
            req.clear_header("X-Removed")
            req.set_header("User-Agent", "lua-agent")
            req.set_header("Cookie", { "a=1", "b=2" })
            require("ngx.req").add_header("X-Both", "second")
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block {
            local h = ngx.req.get_headers()
            ngx.say(h["x-added"], " ", tostring(h["x-removed"]), " ", h["user-agent"], " ",
                    table.concat(h.cookie, ";"), " ", table.concat(h["x-both"], ","))
        }
    }
--- request
GET /t
--- more_headers
X-Removed: yes
X-Both: first
--- response_body
1 nil lua-agent a=1;b=2 first,second

=== TEST 11: CR and LF never reach the upstream: they are escaped
--- config
    ignore_invalid_headers off;
    location = /t {
        rewrite_by_lua_block {
            ngx.req.set_header("X-Value", "a\r\nInjected: 1")
            ngx.req.set_header("X-Name\r\nInjected", "v")
            ngx.req.set_header("X-Multi", { "ok", "b\nInjected: 2" })
            ngx.log(ngx.WARN, "here: ", ngx.req.get_headers()["x-name%0d%0ainjected"])
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block {
            local h = ngx.req.get_headers()
            ngx.say(h["x-value"], " | ", h["x-name%0d%0ainjected"], " | ",
                    table.concat(h["x-multi"], ","), " | ", tostring(h.injected))
        }
    }
--- request
GET /t
--- response_body
a%0D%0AInjected: 1 | v | ok,b%0AInjected: 2 | nil
--- error_log
here: v

=== TEST 12: bad names and values
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.req.set_header, nil, "x")
            ngx.say(err)
            ok, err = pcall(ngx.req.set_header, "X-A", print)
            ngx.say(err)
            ok, err = pcall(ngx.req.set_header, "X-A", { "a", {} })
            ngx.say(err)
            ngx.req.set_header(42, true)
            ngx.say(ngx.req.get_headers()["42"])
        }
    }
--- request
GET /t
--- response_body
bad 'name' argument: string expected, got nil
bad 'value' argument: string, number, boolean, table or nil expected, got function
bad 'value' argument: string, number or boolean expected in the table, got table
true

=== TEST 13: the ngx.req module's add_header
--- config
    location = /t {
        content_by_lua_block {
            local req = require "ngx.req"
            req.add_header("X-A", "2")
            req.add_header("X-A", { "3", "4" })
            req.add_header("X-B", "new")
            local h = ngx.req.get_headers()
            ngx.say(table.concat(h["x-a"], ","), " ", h["x-b"])
            local ok, err = pcall(req.add_header, "X-A", nil)
            ngx.say(err)
            ok, err = pcall(req.add_header, "X-A", {})
            ngx.say(err)
        }
    }
--- request
GET /t
--- more_headers
X-A: 1
--- response_body
1,2,3,4 new
bad 'value' argument: string or table expected, got nil
bad 'value' argument: non-empty table expected

=== TEST 14: rewrite, access, content and log
--- config
    location = /t {
        rewrite_by_lua_block { ngx.req.set_header("X-Trace", "rewrite") }
        access_by_lua_block {
            ngx.req.set_header("X-Trace", ngx.req.get_headers()["x-trace"] .. ",access")
        }
        content_by_lua_block { ngx.say(ngx.req.get_headers()["x-trace"]) }
        log_by_lua_block { ngx.log(ngx.WARN, "log sees: ", ngx.req.get_headers()["x-trace"]) }
    }
--- request
GET /t
--- response_body
rewrite,access
--- error_log
log sees: rewrite,access

=== TEST 15: refused without a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.req.get_headers)
        ngx.log(ngx.WARN, "get_headers: ", err)
        ok, err = pcall(ngx.req.set_header, "A", "b")
        ngx.log(ngx.WARN, "set_header: ", err)
        ok, err = pcall(ngx.req.clear_header, "A")
        ngx.log(ngx.WARN, "clear_header: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/get_headers: no request found/,
 qr/set_header: no request found/,
 qr/clear_header: no request found/]

=== TEST 16: get_headers and set_header are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local get_headers, set_header = ngx.req.get_headers, ngx.req.set_header
            local n = 0
            for i = 1, 300 do
                n = n + #get_headers()["x-foo"]
            end
            for i = 1, 300 do
                set_header("X-Loop", "v")
            end
            -- Alternating the limit lists the headers anew: the key-shape path.
            for i = 1, 300 do
                n = n + #get_headers(99 + i % 2)["x-foo"]
            end
            ngx.say(n, " ", get_headers()["x-loop"])
        }
    }
--- request
GET /t
--- more_headers
X-Foo: bar
--- response_body
1800 v
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:headers|base)\.lua:\d+ -> \d+\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):12 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:headers|base)\.lua:\d+ -> \d+\]/]
--- no_error_log
NYI

=== TEST 17: repeated calls hand out independent tables that follow changes
--- config
    location = /t {
        content_by_lua_block {
            local get_headers = ngx.req.get_headers
            local first = get_headers()
            local second = get_headers()
            second["x-one"] = "changed"
            second["x-multi"][1] = "changed"
            second.added = true
            local third = get_headers()
            ngx.say(first ~= second, " ", second ~= third, " ", third["x-one"], " ",
                    third["x-multi"][1], " ", tostring(third.added), " ", third.x_one)
            ngx.req.set_header("X-One", "new")
            ngx.say(get_headers()["x-one"], " ", get_headers()["x-one"])
            ngx.req.clear_header("X-Multi")
            ngx.say(tostring(get_headers()["x-multi"]), " ", get_headers(nil, true)["X-One"])
        }
    }
--- request
GET /t
--- more_headers
X-One: 1
X-Multi: a
X-Multi: b
--- response_body
true true 1 a nil 1
new new
nil new

=== TEST 18: pipelined requests on one connection do not share their tables
--- config
    location = /t {
        content_by_lua_block {
            local h1, h2 = ngx.req.get_headers(), ngx.req.get_headers()
            local a1, a2 = ngx.req.get_uri_args(), ngx.req.get_uri_args()
            ngx.log(ngx.WARN, "seen: ", h1["x-v"], " ", h2["x-v"], " ", h2.x_v, " ", a1.a, " ", a2.a)
            ngx.say("ok")
        }
    }
--- raw_request eval
"GET /t?a=1 HTTP/1.1\r\nHost: localhost\r\nX-V: aaa\r\n\r\n"
. "GET /t?a=2 HTTP/1.1\r\nHost: localhost\r\nX-V: bbb\r\nConnection: close\r\n\r\n"
--- response_body_like chomp
ok
--- error_log
seen: aaa aaa aaa 1 1
seen: bbb bbb bbb 2 2

=== TEST 19: a table made again for the same names follows the values and stays the caller's
--- config
    location = /t {
        content_by_lua_block {
            local get_headers, set_header = ngx.req.get_headers, ngx.req.set_header
            -- Alternating the limit makes each call list the headers anew.
            local first = get_headers(100)
            set_header("X-B", "changed")
            local second = get_headers(99)
            second["x-a"] = "mine"
            second.extra = true
            local third = get_headers(100)
            ngx.say(first["x-a"], " ", first["x-b"], " ", second["x-b"], " ", third["x-a"], " ",
                    third["x-b"], " ", tostring(third.extra), " ", third.x_b)
            set_header("X-B", "a much longer value than the one before it")
            set_header("X-A", nil)
            ngx.say(get_headers(99)["x-b"], " ", tostring(get_headers(100)["x-a"]))
            local raw = get_headers(100, true)
            ngx.say(raw["X-B"], " ", tostring(raw["x-b"]))
            set_header("X-B", { "1", "2" })
            local multi = get_headers(99)
            multi["x-b"][1] = "mine"
            ngx.say(table.concat(get_headers(100)["x-b"], ","))
        }
    }
--- request
GET /t
--- more_headers
X-A: a
X-B: b
--- response_body
a b changed a changed nil changed
a much longer value than the one before it nil
a much longer value than the one before it nil
1,2

=== TEST 20: a loop of calls that hand out copies keeps the heap bounded
--- config
    location = /t {
        content_by_lua_block {
            collectgarbage()
            local get_headers, get_uri_args = ngx.req.get_headers, ngx.req.get_uri_args
            local peak = 0
            for round = 1, 4 do
                for i = 1, 100000 do
                    local h = get_headers()
                    local a = get_uri_args(99 + i % 2)
                end
                peak = math.max(peak, collectgarbage("count"))
            end
            -- 800,000 tables of about 300 bytes were made: without collection
            -- steps between them the heap would pass 200 MB.
            ngx.say(peak < 32 * 1024)
        }
    }
--- request
GET /t?a=1&b=2
--- more_headers
X-Foo: bar
--- response_body
true

=== TEST 21: the ngx.req module's add_header adds empty values (alone or in a table), as OpenResty's; set_header with an empty value clears
--- config
    location = /t {
        rewrite_by_lua_block {
            local req = require "ngx.req"
            req.add_header("Foo", "")
            req.add_header("Bar", { "", "x" })
            ngx.req.set_header("Baz", "1")
            ngx.req.set_header("Baz", "")
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block {
            local h = ngx.req.get_headers()
            ngx.say("[", h.foo, "] [", table.concat(h.bar, ","), "] ", tostring(h.baz))
        }
    }
--- request
GET /t
--- response_body
[] [,x] nil
