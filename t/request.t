# The request line and header: ngx.req.get_method, set_method, http_version,
# raw_header, is_internal and ngx.is_subrequest.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: get_method for the methods nginx knows and one it does not
--- config
    location = /t {
        content_by_lua_block { ngx.say(ngx.req.get_method()) }
    }
--- request eval
["GET /t", "POST /t\nbody", "DELETE /t", "PATCH /t", "OPTIONS /t", "BREW /t"]
--- response_body eval
["GET\n", "POST\n", "DELETE\n", "PATCH\n", "OPTIONS\n", "BREW\n"]

=== TEST 2: HEAD
--- config
    location = /t {
        content_by_lua_block { ngx.header["X-Method"] = ngx.req.get_method() }
    }
--- request
HEAD /t
--- response_headers
X-Method: HEAD
--- response_body

=== TEST 3: set_method changes what nginx and the upstream see
--- config
    location = /t {
        rewrite_by_lua_block { ngx.req.set_method(ngx.HTTP_PUT) }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block { ngx.say(ngx.req.get_method(), " ", ngx.var.request_method) }
    }
--- request
GET /t
--- response_body
PUT PUT

=== TEST 4: every ngx.HTTP_* method
--- config
    location = /t {
        content_by_lua_block {
            local names = { "GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
                            "OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH",
                            "TRACE" }
            for _, name in ipairs(names) do
                ngx.req.set_method(ngx["HTTP_" .. name])
                ngx.print(ngx.req.get_method() == name and "" or "wrong: " .. name)
            end
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done

=== TEST 5: set_method refuses other numbers and non-numbers
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.req.set_method, 3)
            ngx.say(err)
            ok, err = pcall(ngx.req.set_method, "GET")
            ngx.say(err)
            ok, err = pcall(ngx.req.set_method, ngx.HTTP_GET + ngx.HTTP_POST)
            ngx.say(err)
            ngx.say(ngx.req.get_method())
        }
    }
--- request
POST /t
--- response_body
unsupported HTTP method: 3
bad method number
unsupported HTTP method: 10
POST

=== TEST 6: http_version
--- config
    location = /t {
        content_by_lua_block { ngx.say(ngx.req.http_version()) }
    }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
 "GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"]
--- response_body eval
["1.1\n", "1\n"]

=== TEST 7: raw_header returns the header as received
--- config
    location = /t {
        content_by_lua_block {
            ngx.print(ngx.req.raw_header())
            ngx.print(ngx.req.raw_header(true))
        }
    }
--- raw_request eval
"GET /t?a=1 HTTP/1.1\r\nHost: localhost\r\nX-Spaced:   value with spaces   \r\nEmpty:\r\nFoo:bar\r\nConnection: close\r\n\r\n"
--- response_body eval
"GET /t?a=1 HTTP/1.1\r\nHost: localhost\r\nX-Spaced:   value with spaces   \r\nEmpty:\r\nFoo:bar\r\nConnection: close\r\n\r\n"
. "Host: localhost\r\nX-Spaced:   value with spaces   \r\nEmpty:\r\nFoo:bar\r\nConnection: close\r\n\r\n"

=== TEST 8: raw_header with LF line endings, and no body bytes
--- config
    location = /t {
        content_by_lua_block {
            ngx.print(ngx.req.raw_header())
        }
    }
--- raw_request eval
"POST /t HTTP/1.0\nHost: localhost\nContent-Length: 5\nX-A: 1\n\nhello"
--- response_body eval
"POST /t HTTP/1.0\nHost: localhost\nContent-Length: 5\nX-A: 1\n\n"

=== TEST 9: raw_header across large header buffers is exact
--- config
    client_header_buffer_size 128;
    large_client_header_buffers 4 1k;
    location = /t {
        content_by_lua_block {
            local expected = "GET /t HTTP/1.1\r\nHost: localhost\r\nX-Long-1: " .. string.rep("a", 500)
                             .. "\r\nX-Short: 1\r\nX-Long-2: " .. string.rep("b", 500)
                             .. "\r\nConnection: close\r\n\r\n"
            local raw = ngx.req.raw_header()
            ngx.say(raw == expected, " ", #raw, " ", #expected)
            ngx.say(ngx.req.raw_header(true) == expected:sub(#"GET /t HTTP/1.1\r\n" + 1))
        }
    }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nX-Long-1: " . ("a" x 500) . "\r\nX-Short: 1\r\nX-Long-2: " . ("b" x 500) . "\r\nConnection: close\r\n\r\n"
--- response_body_like chomp
^true (\d+) \1
true$

=== TEST 10: is_internal
--- config
    location = /t {
        content_by_lua_block { ngx.say("t: ", ngx.req.is_internal()) }
    }
    location = /redirected {
        try_files /no-such-file @named;
    }
    location @named {
        content_by_lua_block { ngx.say("named: ", ngx.req.is_internal()) }
    }
--- request eval
["GET /t", "GET /redirected"]
--- response_body eval
["t: false\n", "named: true\n"]

=== TEST 11: ngx.is_subrequest is false for a main request
--- config
    location = /t {
        rewrite_by_lua_block { ngx.ctx.r = ngx.is_subrequest }
        content_by_lua_block { ngx.say(ngx.ctx.r, " ", ngx.is_subrequest) }
        log_by_lua_block { ngx.log(ngx.WARN, "log: ", ngx.is_subrequest) }
    }
--- request
GET /t
--- response_body
false false
--- error_log
log: false

=== TEST 12: resty.core.misc, the module name OpenResty gives these, loads
--- config
    location = /t {
        content_by_lua_block {
            local misc = require "resty.core.misc"
            ngx.say(misc.version, " ", misc == require("resty.core.misc"), " ", ngx.is_subrequest,
                    " ", ngx.req.is_internal(), " ", ngx.headers_sent)
        }
    }
--- request
GET /t
--- response_body
0.1.31 true false false false

=== TEST 13: all of them work in log_by_lua
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", ngx.req.get_method(), " ", ngx.req.http_version(), " ",
                    ngx.req.is_internal(), " ", #ngx.req.raw_header() > 0)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
log: GET 1.1 false true

=== TEST 14: refused without a request
--- http_config
    init_by_lua_block {
        for _, name in ipairs({ "get_method", "http_version", "raw_header", "is_internal" }) do
            local ok, err = pcall(ngx.req[name])
            ngx.log(ngx.WARN, name, ": ", err)
        end
        local ok, err = pcall(ngx.req.set_method, ngx.HTTP_GET)
        ngx.log(ngx.WARN, "set_method: ", err)
        ok, err = pcall(function() return ngx.is_subrequest end)
        ngx.log(ngx.WARN, "is_subrequest: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/get_method: no request found/,
 qr/http_version: no request object found/,
 qr/raw_header: no request object found/,
 qr/is_internal: no request found/,
 qr/set_method: no request found/,
 qr/is_subrequest: init_by_lua\(nginx\.conf:\d+\):\d+: no request found/]

=== TEST 15: the calls are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local req = ngx.req
            local n = 0
            for i = 1, 300 do
                if req.get_method() == "GET" then n = n + 1 end
            end
            for i = 1, 300 do
                if req.http_version() == 1.1 then n = n + 1 end
            end
            for i = 1, 300 do
                if not req.is_internal() and not ngx.is_subrequest then n = n + 1 end
            end
            for i = 1, 300 do
                req.set_method(ngx.HTTP_GET)
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
900
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):11 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):14 loop\]/]
--- no_error_log
NYI
