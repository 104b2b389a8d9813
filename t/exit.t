# ngx.exit in each phase that allows it.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: exit with an error status makes nginx's error page
--- config
    location = /t {
        content_by_lua_block {
            ngx.exit(ngx.HTTP_NOT_FOUND)
            ngx.log(ngx.ERR, "not reached")
        }
    }
--- request
GET /t
--- error_code: 404
--- response_body_like chomp
404 Not Found
--- no_error_log
not reached

=== TEST 2: exit(ngx.OK) in content ends the response normally
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("before")
            ngx.exit(ngx.OK)
            ngx.say("after")
        }
    }
--- request
GET /t
--- response_body
before

=== TEST 3: a 2xx status without output sends an empty response with that status
--- config
    location = /created {
        content_by_lua_block { ngx.exit(201) }
    }
    location = /nocontent {
        content_by_lua_block { ngx.exit(ngx.HTTP_NO_CONTENT) }
    }
--- request eval
["GET /created", "GET /nocontent"]
--- error_code eval
[201, 204]
--- response_body eval
["", ""]

=== TEST 4: exit after output keeps the sent status, logs a different one
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("partial")
            ngx.exit(503)
        }
    }
--- request
GET /t
--- response_body
partial
--- error_log
attempt to set status 503 via ngx.exit after sending out the response status 200

=== TEST 5: the usual status + say + exit(status) idiom logs nothing
--- config
    location = /t {
        content_by_lua_block {
            ngx.status = 429
            ngx.say("slow down")
            return ngx.exit(429)
        }
    }
--- request
GET /t
--- error_code: 429
--- response_body
slow down
--- no_error_log
[error]

=== TEST 6: exit in rewrite and access with a status stops the request there
--- config
    location = /rewrite {
        rewrite_by_lua_block { ngx.exit(403) }
        access_by_lua_block { ngx.log(ngx.ERR, "access must not run") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /access {
        access_by_lua_block { ngx.exit(ngx.HTTP_UNAUTHORIZED) }
        content_by_lua_block { ngx.say("content must not run") }
    }
--- request eval
["GET /rewrite", "GET /access"]
--- error_code eval
[403, 401]
--- no_error_log
must not run

=== TEST 7: exit(ngx.OK) in rewrite and access goes on to the next phase
--- config
    location = /t {
        rewrite_by_lua_block { ngx.exit(ngx.OK) ngx.log(ngx.ERR, "not reached") }
        access_by_lua_block { ngx.exit(0) }
        content_by_lua_block { ngx.say("content ran") }
    }
--- request
GET /t
--- response_body
content ran
--- no_error_log
not reached

=== TEST 8: exit(200) in access after output ends the request
--- config
    location = /t {
        access_by_lua_block { ngx.say("from access") ngx.exit(ngx.HTTP_OK) }
        content_by_lua_block { ngx.say("content must not run") }
    }
--- request
GET /t
--- response_body
from access

=== TEST 9: exit(444) closes the connection without a response
--- config
    location = /t {
        content_by_lua_block { ngx.exit(ngx.HTTP_CLOSE) }
    }
--- request
GET /t
--- no_response

=== TEST 10: exit(ngx.ERROR) closes the connection
--- config
    location = /t {
        content_by_lua_block { ngx.exit(ngx.ERROR) }
    }
--- request
GET /t
--- no_response

=== TEST 11: exit inside a user coroutine ends the whole handler
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.wrap(function()
                ngx.say("in coroutine")
                ngx.exit(ngx.OK)
                ngx.say("not reached in coroutine")
            end)
            co()
            ngx.say("not reached after coroutine")
        }
    }
--- request
GET /t
--- response_body
in coroutine

=== TEST 12: exit after a sleep in access
--- config
    location = /t {
        access_by_lua_block { ngx.sleep(0.01) ngx.exit(ngx.HTTP_FORBIDDEN) }
        content_by_lua_block { ngx.say("content must not run") }
    }
--- request
GET /t
--- error_code: 403

=== TEST 13: bad arguments
--- config
    location = /t {
        content_by_lua_block {
            for _, v in ipairs({"abc", {}, ngx.AGAIN, ngx.DONE, 1000, 42}) do
                local ok, err = pcall(ngx.exit, v)
                ngx.say(tostring(v):sub(1, 5), ": ", err)
            end
        }
    }
--- request
GET /t
--- response_body_like chomp
^abc: bad argument #1 to 'exit' \(number expected, got string\)
table: bad argument #1 to 'exit' \(number expected, got table\)
-2: bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE
-4: bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE
1000: bad argument to 'ngx.exit': invalid status code
42: bad argument to 'ngx.exit': invalid status code
$

=== TEST 14: a string status is converted
--- config
    location = /t {
        content_by_lua_block { ngx.exit("410") }
    }
--- request
GET /t
--- error_code: 410

=== TEST 15: exit is disabled in log_by_lua and init_by_lua
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.exit, 200)
        ngx.log(ngx.WARN, "init: ", err)
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            local ok, err = pcall(ngx.exit, 200)
            ngx.log(ngx.WARN, "log: ", err)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: no request found
log: API disabled in the context of log_by_lua*

=== TEST 16: exit(ngx.DECLINED) in access continues
--- config
    location = /t {
        access_by_lua_block { ngx.exit(ngx.DECLINED) }
        content_by_lua_block { ngx.say("content ran") }
    }
--- request
GET /t
--- response_body
content ran

=== TEST 17: exit(ngx.DECLINED) after output in access ends the request there
--- config
    location = /t {
        access_by_lua_block { ngx.say("from access") ngx.exit(ngx.DECLINED) }
        content_by_lua_block { ngx.say("content must not run") }
    }
--- request
GET /t
--- response_body
from access

=== TEST 18: ngx.redirect sends nginx's redirect page with the given Location, as written
--- config
    location = /default { content_by_lua_block { ngx.redirect("/foo?a=1") } }
    location = /absolute { content_by_lua_block { return ngx.redirect("http://example.com/x", 301) } }
    location = /see-other { content_by_lua_block { ngx.redirect("/o", "303") } }
    location = /temporary { content_by_lua_block { ngx.redirect("/t", ngx.HTTP_TEMPORARY_REDIRECT) } }
    location = /permanent { content_by_lua_block { ngx.redirect("/p", ngx.HTTP_PERMANENT_REDIRECT) } }
    location = /replaces {
        content_by_lua_block {
            ngx.header.Location = "/first"
            ngx.redirect("/second")
        }
    }
--- request eval
["GET /default", "GET /absolute", "GET /see-other", "GET /temporary", "GET /permanent", "GET /replaces"]
--- error_code eval
[302, 301, 303, 307, 308, 302]
--- response_headers eval
["Location: /foo?a=1", "Location: http://example.com/x", "Location: /o", "Location: /t", "Location: /p",
 "Location: /second"]
--- response_body_like eval
[qr{<title>302 Found</title>}, qr{<title>301 Moved Permanently</title>}, qr{<title>303 See Other</title>},
 qr{<title>307 Temporary Redirect</title>}, qr{<title>308 Permanent Redirect</title>}, qr{302 Found}]

=== TEST 19: ngx.redirect ends the handler and the request, in every phase it is allowed in
--- config
    location = /rewrite {
        rewrite_by_lua_block { ngx.redirect("/r") ngx.log(ngx.ERR, "not reached in rewrite") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /access {
        access_by_lua_block { ngx.sleep(0.001) ngx.redirect("/a", 301) }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /coroutine {
        content_by_lua_block {
            coroutine.wrap(function() ngx.redirect("/c") end)()
            ngx.log(ngx.ERR, "not reached after the coroutine")
        }
    }
--- request eval
["GET /rewrite", "GET /access", "GET /coroutine"]
--- error_code eval
[302, 301, 302]
--- response_headers eval
["Location: /r", "Location: /a", "Location: /c"]
--- no_error_log
not reached

=== TEST 20: ngx.redirect refuses bad arguments, unsafe bytes and a late call
--- config
    location = /t {
        content_by_lua_block {
            local out = {}
            local function try(...)
                local ok, err = pcall(ngx.redirect, ...)
                out[#out + 1] = err
            end
            try()
            try("/a", 302, "x")
            try({})
            try("/a", {})
            try("/a", nil)
            try("/a", 200)
            try("/a", 304)
            try("/a\r\nSet-Cookie: x=1")
            try("/a\0b")
            out[#out + 1] = tostring(ngx.header.Location)
            ngx.say(table.concat(out, "\n"))
            ngx.flush(true)
            try("/late")
            ngx.say(out[#out])
        }
    }
--- request
GET /t
--- response_body
expecting one or two arguments
expecting one or two arguments
bad argument #1 to 'redirect' (string expected, got table)
bad argument #2 to 'redirect' (number expected, got table)
bad argument #2 to 'redirect' (number expected, got nil)
only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed
only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed
unsafe byte "0x0d" in redirect uri "/a\x0D\x0ASet-Cookie: x=1"
unsafe byte "0x00" in redirect uri "/a\x00b"
nil
attempt to call ngx.redirect after sending out the headers

=== TEST 21: ngx.redirect is disabled outside rewrite, access and content
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.redirect, "/x")
        ngx.log(ngx.WARN, "init: ", err)
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.redirect, "/x")
            ngx.log(ngx.WARN, "header_filter: ", err)
        }
        log_by_lua_block {
            local ok, err = pcall(ngx.redirect, "/x")
            ngx.log(ngx.WARN, "log: ", err)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: no request object found
header_filter: API disabled in the context of header_filter_by_lua*
log: API disabled in the context of log_by_lua*

=== TEST 22: ngx.exec goes on at another location, with its arguments
--- config
    location = /t {
        content_by_lua_block {
            ngx.ctx.seen = "old"
            ngx.exec("/target?a=1", { b = 2 })
        }
    }
    location = /string-args {
        content_by_lua_block { ngx.exec("/target", "x=1&y=2") }
    }
    location = /named {
        content_by_lua_block { ngx.exec("@named", "ignored=1") }
    }
    location = /static {
        content_by_lua_block { ngx.exec("/file.txt") }
    }
    location = /target {
        content_by_lua_block {
            ngx.say(ngx.var.uri, " ", ngx.var.args, " ", tostring(ngx.ctx.seen), " ", ngx.var.request_uri)
        }
    }
    location @named {
        content_by_lua_block { ngx.say("named ", ngx.var.uri, " ", tostring(ngx.var.args)) }
    }
    location = /file.txt {
        root html;
    }
--- user_files
>>> file.txt
static file
--- request eval
["GET /t", "GET /string-args", "GET /named", "GET /static"]
--- response_body eval
["/target a=1&b=2 nil /t\n", "/target x=1&y=2 nil /string-args\n", "named /named nil\n", "static file\n"]
--- error_log
query strings ignored=1 ignored when exec'ing named location @named

=== TEST 23: ngx.exec from rewrite and access, and after a wait
--- config
    location = /rewrite {
        rewrite_by_lua_block { ngx.exec("/target", "from=rewrite") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /access {
        access_by_lua_block { ngx.exec("/target", "from=access") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /access-wait {
        access_by_lua_block { ngx.sleep(0.001) ngx.exec("/target", "from=access-wait") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /content-wait {
        content_by_lua_block { ngx.sleep(0.001) ngx.exec("/target", "from=content-wait") }
    }
    location = /coroutine {
        content_by_lua_block {
            coroutine.wrap(function() ngx.exec("/target", "from=coroutine") end)()
            ngx.log(ngx.ERR, "not reached after the coroutine")
        }
    }
    location = /target {
        access_by_lua_block { ngx.sleep(0.001) }
        content_by_lua_block { ngx.say("target ", ngx.var.args) }
    }
--- request eval
["GET /rewrite", "GET /access", "GET /access-wait", "GET /content-wait", "GET /coroutine"]
--- response_body eval
["target from=rewrite\n", "target from=access\n", "target from=access-wait\n", "target from=content-wait\n",
 "target from=coroutine\n"]
--- no_error_log
not reached

=== TEST 24: ngx.exec refuses bad arguments, unsafe URIs and a late call
--- config
    location = /t {
        content_by_lua_block {
            local out = {}
            local function try(...)
                local ok, err = pcall(ngx.exec, ...)
                out[#out + 1] = err
            end
            try()
            try("/a", "b", "c")
            try({})
            try("")
            try("/a", true)
            try("/a/../../b")
            try("/a\0b")
            try("?a=1")
            ngx.say(table.concat(out, "\n"))
            try("/late")
            ngx.say(out[#out])
        }
    }
--- request
GET /t
--- response_body
expecting one or two arguments, but got 0
expecting one or two arguments, but got 3
bad argument #1 to 'exec' (string expected, got table)
The uri argument is empty
bad argument #2 to 'exec' (string, number, or table expected, but got boolean)
unsafe uri
unsafe uri
unsafe uri
attempt to call ngx.exec after sending out response headers
--- error_log eval
# nginx logs the URI as it is, NUL included
['unsafe URI "/a/../../b" was detected', "unsafe URI \"/a\0b\" was detected",
 'unsafe URI "?a=1" was detected']

=== TEST 25: ngx.exec is disabled outside rewrite, access and content; a redirect loop ends in a 500
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            local ok, err = pcall(ngx.exec, "/x")
            ngx.log(ngx.WARN, "log: ", err)
        }
    }
    location = /loop {
        content_by_lua_block { ngx.exec("/loop") }
    }
--- request eval
["GET /t", "GET /loop"]
--- error_code eval
[200, 500]
--- error_log
log: API disabled in the context of log_by_lua*
rewrite or internal redirection cycle while internally redirecting to "/loop"



=== TEST 26: exit(ngx.DECLINED) in content hands the request to the next content handler
--- config
    location /static/ {
        root $TEST_NGINX_HTML_DIR;
        content_by_lua_block { ngx.exit(ngx.DECLINED) }
    }
    location /slept/ {
        root $TEST_NGINX_HTML_DIR;
        content_by_lua_block { ngx.sleep(0.001) return ngx.exit(ngx.DECLINED) }
    }
--- user_files
>>> static/index.html
static index
>>> slept/file.txt
static file
--- request eval
["GET /static/", "GET /slept/file.txt"]
--- response_body eval
["static index\n", "static file\n"]

=== TEST 27: exit(ngx.DECLINED) in content after output finishes the response
--- config
    location /t/ {
        root $TEST_NGINX_HTML_DIR;
        content_by_lua_block { ngx.say("from lua") ngx.exit(ngx.DECLINED) }
    }
--- user_files
>>> t/index.html
static index
--- request
GET /t/
--- response_body
from lua

=== TEST 28: access_by_lua under satisfy any: finishing, exit(0) and a wait grant access
--- config
    location /empty { satisfy any; deny all; access_by_lua_block { } content_by_lua_block { ngx.say("in") } }
    location /ok { satisfy any; deny all; access_by_lua_block { ngx.exit(ngx.OK) } content_by_lua_block { ngx.say("in") } }
    location /slept {
        satisfy any; deny all;
        access_by_lua_block { ngx.sleep(0.001) }
        content_by_lua_block { ngx.say("in") }
    }
    location /slept-ok {
        satisfy any; deny all;
        access_by_lua_block { ngx.sleep(0.001) ngx.exit(0) }
        content_by_lua_block { ngx.say("in") }
    }
--- request eval
["GET /empty", "GET /ok", "GET /slept", "GET /slept-ok"]
--- response_body eval
["in\n", "in\n", "in\n", "in\n"]

=== TEST 29: access_by_lua under satisfy any: DECLINED and 403 leave deny's answer
--- config
    location /declined {
        satisfy any; deny all;
        access_by_lua_block { ngx.exit(ngx.DECLINED) }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location /slept-declined {
        satisfy any; deny all;
        access_by_lua_block { ngx.sleep(0.001) ngx.exit(ngx.DECLINED) }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location /forbidden {
        satisfy any; deny all;
        access_by_lua_block { ngx.exit(403) }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location /allowed {
        satisfy any; allow all;
        access_by_lua_block { ngx.exit(ngx.HTTP_UNAUTHORIZED) }
        content_by_lua_block { ngx.say("allow all wins") }
    }
--- request eval
["GET /declined", "GET /slept-declined", "GET /forbidden", "GET /allowed"]
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
["403 Forbidden", "403 Forbidden", "403 Forbidden", "allow all wins"]
--- error_log
access forbidden by rule

=== TEST 30: access_by_lua under satisfy all: finishing does not override deny
--- config
    location /denied { satisfy all; deny all; access_by_lua_block { } content_by_lua_block { ngx.say("no") } }
    location /slept {
        satisfy all; deny all;
        access_by_lua_block { ngx.sleep(0.001) }
        content_by_lua_block { ngx.say("no") }
    }
    location /allowed {
        satisfy all; allow all;
        access_by_lua_block { ngx.exit(ngx.DECLINED) }
        content_by_lua_block { ngx.say("in") }
    }
--- request eval
["GET /denied", "GET /slept", "GET /allowed"]
--- error_code eval
[403, 403, 200]
--- error_log
access forbidden by rule
