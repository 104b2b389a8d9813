# ngx.location.capture and capture_multi against static files, a proxied upstream (a
# server block of the same test's nginx) and Lua locations that wait themselves.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: a static file: status, body, truncated, headers (Content-Length a number)
--- config
    location = /f.txt { root html; }
    location = /t {
        content_by_lua_block {
            local res = ngx.location.capture("/f.txt")
            ngx.say(res.status, " [", res.body, "] ", res.truncated)
            local h = res.header
            ngx.say(h["Content-Length"], " ", type(h["Content-Length"]), " ", h["Content-Type"])
            ngx.say(type(h["Last-Modified"]), " ", type(h["ETag"]))
            ngx.say("parent: ", ngx.is_subrequest)
        }
    }
--- user_files
>>> f.txt
hello file
--- request
GET /t
--- response_body
200 [hello file
] false
11 number text/plain
string string
parent: false

=== TEST 2: a Lua location: ngx.is_subrequest, args merged, method, multi-value headers
--- config
    location = /sub {
        content_by_lua_block {
            ngx.header["X-A"] = { "1", "2" }
            ngx.header["X-B"] = "b"
            ngx.say(ngx.is_subrequest, " ", ngx.var.args, " ", ngx.req.get_method(), " ", ngx.var.uri)
        }
    }
    location = /t {
        content_by_lua_block {
            local res = ngx.location.capture("/sub?x=1", { args = { b = 2 }, method = ngx.HTTP_PUT })
            ngx.print(res.status, " ", res.body)
            ngx.say(table.concat(res.header["X-A"], ","), " ", res.header["X-B"])
            res = ngx.location.capture("/sub", { args = "y=2&z=3", method = ngx.HTTP_DELETE })
            ngx.print(res.body)
            res = ngx.location.capture("/sub?q", { args = 5 })
            ngx.print(res.body)
        }
    }
--- request
GET /t?main=1
--- response_body
200 true x=1&b=2 PUT /sub
1,2 b
true y=2&z=3 DELETE /sub
true q&5 GET /sub

=== TEST 3: the body option, and the parent's body: forwarded to POST and PUT, or with always_forward_body
--- config
    location = /echo {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(ngx.req.get_method(), " [", ngx.req.get_body_data(), "] ", ngx.var.http_content_length)
        }
    }
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            local function show(opts)
                ngx.print(ngx.location.capture("/echo", opts).body)
            end
            show({ method = ngx.HTTP_POST, body = "hello" })
            show({ method = ngx.HTTP_POST, body = 42 })
            show({ method = ngx.HTTP_POST })
            show({ method = ngx.HTTP_PUT })
            show({})
            show({ always_forward_body = true })
            show({ method = ngx.HTTP_POST, body = "" })
        }
    }
--- request
POST /t
parent body
--- response_body
POST [hello] 5
POST [42] 2
POST [parent body] 11
PUT [parent body] 11
GET [nil] 0
GET [parent body] 11
POST [nil] 0

=== TEST 4: vars, copy_all_vars, share_all_vars
--- config
    location = /sub {
        set $dog "$dog world";
        content_by_lua_block { ngx.say("sub: [", ngx.var.dog, "] [", ngx.var.cat, "]") }
    }
    location = /t {
        set $dog "hello";
        set $cat "";
        content_by_lua_block {
            ngx.print(ngx.location.capture("/sub").body)
            ngx.print(ngx.location.capture("/sub", { vars = { cat = "meow", dog = 1 } }).body)
            ngx.print(ngx.location.capture("/sub", { copy_all_vars = true }).body)
            ngx.say("parent: ", ngx.var.dog)
            ngx.print(ngx.location.capture("/sub", { share_all_vars = true }).body)
            ngx.say("parent: ", ngx.var.dog)
        }
    }
--- request
GET /t
--- response_body
sub: [ world] []
sub: [1 world] [meow]
sub: [hello world] []
parent: hello
sub: [hello world] []
parent: hello world

=== TEST 5: the ctx option is the subrequest's ngx.ctx; headers adds to and replaces the parent's
--- config
    location = /sub {
        content_by_lua_block {
            ngx.ctx.seen = (ngx.ctx.seen or 0) + 1
            ngx.say(ngx.req.get_headers()["x-foo"] or "-", " ", table.concat(ngx.req.get_headers()["x-multi"] or {"-"}, ","),
                    " ", ngx.var.http_user_agent)
        }
    }
    location = /t {
        content_by_lua_block {
            local ctx = { seen = 41 }
            local res = ngx.location.capture("/sub", { ctx = ctx, headers = { ["X-Foo"] = "bar", ["X-Multi"] = { "a", "b" },
                                                                              ["User-Agent"] = "sub-agent" } })
            ngx.print(res.body)
            ngx.say("ctx.seen: ", ctx.seen, " parent ngx.ctx.seen: ", ngx.ctx.seen)
            ngx.say("parent's: ", ngx.req.get_headers()["x-foo"], " ", ngx.var.http_user_agent)
            ngx.print(ngx.location.capture("/sub").body)
        }
    }
--- request
GET /t
--- more_headers
X-Foo: parent
User-Agent: parent-agent
--- response_body
bar a,b sub-agent
ctx.seen: 42 parent ngx.ctx.seen: nil
parent's: parent parent-agent
parent - parent-agent

=== TEST 6: capture_multi runs in parallel and returns in order; subrequests that wait themselves
--- config
    location = /sleep {
        content_by_lua_block {
            ngx.sleep(tonumber(ngx.var.arg_s))
            ngx.log(ngx.INFO, "woke ", ngx.var.arg_s)
            ngx.print(ngx.var.arg_s)
        }
    }
    location = /t {
        content_by_lua_block {
            local a, b, c = ngx.location.capture_multi({
                { "/sleep", { args = { s = 0.3 } } },
                { "/sleep?s=0.1" },
                { "/sleep", { args = "s=0" } },
            })
            ngx.say(a.body, " ", b.body, " ", c.body, " ", a.status, b.status, c.status)
        }
    }
--- request
GET /t
--- response_body
0.3 0.1 0 200200200
--- grep_error_log eval: qr/woke [\d.]+/
--- grep_error_log_out
woke 0
woke 0.1
woke 0.3

=== TEST 7: a proxied upstream, and one that breaks off mid-body: truncated
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location = /ok { return 200 "upstream ok\n"; }
        location = /cut {
            content_by_lua_block {
                ngx.header.content_length = 100
                ngx.print("partial")
                ngx.flush(true)
                ngx.exit(ngx.ERROR)
            }
        }
    }
--- config
    location /up/ { proxy_pass http://127.0.0.1:$TEST_NGINX_PORT_1/; }
    location = /t {
        content_by_lua_block {
            local ok, cut = ngx.location.capture_multi({ { "/up/ok" }, { "/up/cut" } })
            ngx.say(ok.status, " [", ok.body, "] ", ok.truncated)
            ngx.say(cut.status, " [", cut.body, "] ", cut.truncated)
        }
    }
--- request
GET /t
--- response_body
200 [upstream ok
] false
200 [partial] true
--- error_log
upstream prematurely closed connection

=== TEST 8: subrequests that fail: nginx's statuses without an error page, truncated; HEAD has no body
--- config
    location = /f.txt { root html; }
    location = /missing { root html; }
    location = /ret503 { return 503; }
    location = /exit403 { content_by_lua_block { ngx.exit(403) } }
    location = /fails { content_by_lua_block { error("boom") } }
    location = /t {
        content_by_lua_block {
            for _, uri in ipairs({ "/missing", "/ret503", "/exit403", "/fails" }) do
                local res = ngx.location.capture(uri)
                ngx.say(uri, ": ", res.status, " [", res.body, "] ", res.truncated, " ", next(res.header))
            end
            local res = ngx.location.capture("/f.txt", { method = ngx.HTTP_HEAD })
            ngx.say("HEAD: ", res.status, " [", res.body, "] ", res.header["Content-Length"])
        }
    }
--- user_files
>>> f.txt
hello file
--- request
GET /t
--- response_body
/missing: 404 [] true nil
/ret503: 503 [] true nil
/exit403: 403 [] true nil
/fails: 500 [] true nil
HEAD: 200 [] 11
--- error_log
No such file or directory
boom

=== TEST 9: nested captures, and nginx's depth limit with OpenResty's error
--- config
    location = /recur {
        content_by_lua_block {
            local n = tonumber(ngx.var.arg_n)
            local ok, res = pcall(ngx.location.capture, "/recur?n=" .. n + 1)
            if not ok then
                ngx.say("depth ", n, ": ", res)
                return
            end
            if n % 10 == 0 then ngx.print(n, " ") end
            ngx.print(res.body)
        }
    }
--- request
GET /recur?n=0
--- response_body
0 10 20 30 40 50 depth 51: failed to issue subrequest: -1
--- error_log
lua subrequests cycle while processing "/recur"

=== TEST 10: a 1 MiB subrequest body, from a Lua location and from a proxied upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location = /big { content_by_lua_block { ngx.print(string.rep("0123456789abcdef", 65536)) } }
    }
--- config
    location = /big { content_by_lua_block { for i = 1, 1024 do ngx.print(string.rep(string.char(97 + i % 26), 1024)) end } }
    location = /up/big { proxy_pass http://127.0.0.1:$TEST_NGINX_PORT_1/big; }
    location = /t {
        content_by_lua_block {
            local lua, up = ngx.location.capture_multi({ { "/big" }, { "/up/big" } })
            ngx.say(#lua.body, " ", ngx.md5(lua.body), " ", lua.truncated)
            ngx.say(#up.body, " ", up.body == string.rep("0123456789abcdef", 65536), " ", up.truncated)
        }
    }
--- no_forced_eagain: the proxied MiB crosses a loopback socket, 64 bytes a call in that mode, which outlasts the request timeout
--- request
GET /t
--- response_body_like
^1048576 [0-9a-f]{32} false
1048576 true false

=== TEST 11: from rewrite and access, and from a light thread
--- config
    location = /f.txt { root html; }
    location = /t {
        rewrite_by_lua_block { ngx.ctx.r = ngx.location.capture("/f.txt").status }
        access_by_lua_block { ngx.ctx.a = ngx.location.capture("/f.txt").status }
        content_by_lua_block {
            local t = ngx.thread.spawn(function() return ngx.location.capture("/f.txt").body end)
            ngx.print(ngx.ctx.r, " ", ngx.ctx.a, " ", select(2, ngx.thread.wait(t)))
        }
    }
--- user_files
>>> f.txt
file
--- request
GET /t
--- response_body
200 200 file

=== TEST 12: bad arguments, with OpenResty's messages
--- config
    location = /sub { content_by_lua_block { ngx.say("sub") } }
    location = /t {
        set $fixed "x";
        content_by_lua_block {
            local cap, multi = ngx.location.capture, ngx.location.capture_multi
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok and "ok" or err)
            end
            try(cap)
            try(cap, "/sub", {}, 1)
            try(cap, "/sub", 1)
            try(cap, "/sub", { method = "PUT" })
            try(cap, "/sub", { method = 12345 })
            try(cap, "/sub", { args = true })
            try(cap, "/sub", { vars = 1 })
            try(cap, "/sub", { vars = { [1] = "x" } })
            try(cap, "/sub", { vars = { a = {} } })
            try(cap, "/sub", { vars = { nonexistent = "1" } })
            try(cap, "/sub", { vars = { uri = "1" } })
            try(cap, "/sub", { ctx = 1 })
            try(cap, "/sub", { body = {} })
            try(cap, "/sub", { share_all_vars = 1 })
            try(cap, "/sub", { copy_all_vars = "yes" })
            try(cap, "/sub", { headers = "x" })
            try(cap, "/sub", { headers = { [1] = "x" } })
            try(cap, "/sub", { headers = { a = true } })
            try(cap, "/../etc/passwd")
            try(cap, {})
            try(multi)
            try(multi, {}, 2)
            try(multi, 1)
            try(multi, {})
            try(multi, { 1 })
            try(multi, { {} })
            try(multi, { { "/sub", {}, 3 } })
            try(cap, "/sub")
        }
    }
--- request
GET /t
--- response_body
expecting one or two arguments
expecting one or two arguments
expecting table as the 2nd argument for subrequest 0, but got number
Bad http request method
failed to adjust the subrequest: -1
Bad args option value
Bad vars option value
attempt to use a non-string key in the "vars" option table
attempt to use bad variable value type table
failed to adjust the subrequest: -1
failed to adjust the subrequest: -1
Bad ctx option value type number, expected a Lua table
Bad http request body
Bad share_all_vars option value
Bad copy_all_vars option value
Bad headers option value type string, expected a Lua table
attempt to use a non-string key in the "headers" option table
attempt to use bad header value type boolean
unsafe uri in argument #1: /../etc/passwd
bad argument #1 to 'capture' (string expected, got table)
only one argument is expected, but got 0
only one argument is expected, but got 2
bad argument #1 to 'capture_multi' (table expected, got number)
at least one subrequest should be specified
the query argument 0 is not a table, but a number
query argument 0 expecting one or two arguments
query argument 0 expecting one or two arguments
ok
--- error_log
unsupported HTTP method: 12345
variable "nonexistent" cannot be assigned a value (maybe you forgot to define it first?)
variable "uri" not changeable

=== TEST 13: refused where it cannot wait
--- config
    location = /f.txt { root html; }
    location = /t {
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.location.capture, "/f.txt")
            ngx.log(ngx.WARN, "header filter: ", err)
        }
        log_by_lua_block {
            local ok, err = pcall(ngx.location.capture, "/f.txt")
            ngx.log(ngx.WARN, "log: ", err)
        }
        content_by_lua_block {
            ngx.timer.at(0, function()
                local ok, err = pcall(ngx.location.capture, "/f.txt")
                ngx.log(ngx.WARN, "timer: ", err)
            end)
            ngx.say("ok")
        }
    }
--- user_files
>>> f.txt
file
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- error_log
header filter: API disabled in the context of header_filter_by_lua*
log: API disabled in the context of log_by_lua*
timer: API disabled in the context of ngx.timer

=== TEST 14: ngx.thread.kill refuses a thread waiting on subrequests; ngx.exit(200) refuses to leave them
--- config
    location = /slow { content_by_lua_block { ngx.sleep(0.1) ngx.print("slow done") } }
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() return ngx.location.capture("/slow").body end)
            ngx.say(ngx.thread.kill(t))
            ngx.say(pcall(ngx.exit, 200))
            ngx.say(ngx.thread.wait(t))
            ngx.say(ngx.thread.kill(t))
            ngx.exit(200)
        }
    }
--- request
GET /t
--- response_body
nilpending subrequests
falseattempt to abort with pending subrequests
trueslow done
nilalready waited or killed

=== TEST 15: ngx.exit(444) aborts pending subrequests; nothing is left behind
--- config
    location = /slow { content_by_lua_block { ngx.sleep(0.2) ngx.log(ngx.WARN, "subrequest went on") } }
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function()
                ngx.location.capture("/slow")
                ngx.log(ngx.WARN, "thread went on")
            end)
            ngx.sleep(0.01)
            ngx.exit(ngx.HTTP_CLOSE)
        }
    }
--- request
GET /t
--- no_response
--- wait: 0.3
--- no_error_log
subrequest went on
thread went on

=== TEST 16: the client goes away while subrequests are pending (a proxied one and a sleeping one)
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1;
        location = /hang { content_by_lua_block { ngx.sleep(1) ngx.say("late") } }
    }
--- config
    lua_check_client_abort on;
    location = /slow { content_by_lua_block { ngx.sleep(0.5) ngx.log(ngx.WARN, "subrequest went on") } }
    location = /up/hang { proxy_pass http://127.0.0.1:$TEST_NGINX_PORT_1/hang; }
    location = /t {
        content_by_lua_block {
            ngx.location.capture_multi({ { "/slow" }, { "/up/hang" } })
            ngx.log(ngx.WARN, "parent went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.6
--- no_error_log
subrequest went on
parent went on

=== TEST 17: a subrequest's own filters run before its response is kept; the parent's output is not held back
--- config
    location = /sub {
        header_filter_by_lua_block { ngx.header["X-Filtered"] = "yes" }
        body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
        content_by_lua_block { ngx.sleep(0.05) ngx.print("lower") }
    }
    location = /t {
        content_by_lua_block {
            ngx.say("before")
            ngx.flush(true)
            local t = ngx.thread.spawn(function() return ngx.location.capture("/sub") end)
            ngx.say("while pending")
            ngx.flush(true)
            local _, res = ngx.thread.wait(t)
            ngx.say(res.body, " ", res.header["X-Filtered"])
        }
    }
--- request
GET /t
--- response_body
before
while pending
LOWER yes

=== TEST 18: the loops over options, specs and results are JIT-compiled (lines of lua/resty/core/subrequest.lua: the headers option, finish_specs, capture_multi's results)
--- config
    location = /f.txt { root html; }
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local reqs = {}
            for i = 1, 200 do
                reqs[i] = { "/f.txt", { args = { i = i }, vars = {}, headers = { ["X-N"] = i } } }
            end
            local results = { ngx.location.capture_multi(reqs) }
            local bytes = 0
            for i = 1, #results do
                bytes = bytes + #results[i].body + results[i].header["Content-Length"]
            end
            ngx.say(#results, " ", bytes)
        }
    }
--- user_files
>>> f.txt
file
--- request
GET /t
--- response_body
200 2000
--- error_log eval
[qr/\[TRACE\s+\d+ subrequest\.lua:138 loop\]/, qr/\[TRACE\s+\d+ subrequest\.lua:269 loop\]/,
 qr/\[TRACE\s+\d+ subrequest\.lua:408 loop\]/]
--- no_error_log
NYI
