# Response headers: ngx.header.HEADER, ngx.resp.get_headers, and the ngx.resp
# module's add_header and set_status.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: set and read headers; '_' reads as '-'; names are case-insensitive
--- config
    location = /t {
        content_by_lua_block {
            ngx.header["X-Foo"] = "foo"
            ngx.header.x_bar = "bar"
            ngx.header.X_Num = 42
            ngx.say(ngx.header.x_foo, " ", ngx.header["X-BAR"], " ", ngx.header["x-num"], " ",
                    tostring(ngx.header.x_none))
        }
    }
--- request
GET /t
--- response_headers
X-Foo: foo
X-Bar: bar
X-Num: 42
--- response_body
foo bar 42 nil

=== TEST 2: several values, replacing, clearing
--- config
    location = /t {
        content_by_lua_block {
            ngx.header["X-Multi"] = { "a", "b", "c" }
            local m = ngx.header["X-Multi"]
            ngx.header["X-Multi"] = { "d", "e" }
            ngx.header["X-Once"] = "1"
            ngx.header["X-Once"] = "2"
            ngx.header["X-Gone"] = "x"
            ngx.header["X-Gone"] = nil
            ngx.header["X-Empty-Table"] = "x"
            ngx.header["X-Empty-Table"] = {}
            ngx.header["X-Empty-String"] = "x"
            ngx.header["X-Empty-String"] = ""
            ngx.say(table.concat(m, ","), " ", table.concat(ngx.header["X-Multi"], ","), " ",
                    tostring(ngx.header["X-Gone"]))
        }
    }
--- request
GET /t
--- response_headers
X-Multi: d, e
X-Once: 2
!X-Gone
!X-Empty-Table
!X-Empty-String
--- response_body
a,b,c d,e nil

=== TEST 3: Content-Type: the default, a new one, several, none
--- config
    location = /default {
        content_by_lua_block { ngx.say(ngx.header.content_type) }
    }
    location = /set {
        content_by_lua_block {
            ngx.header.content_type = "text/my-plain; charset=utf-8"
            ngx.say(ngx.header["Content-Type"])
        }
    }
    location = /last {
        content_by_lua_block { ngx.header.content_type = { "a/b", "c/d" } ngx.say("x") }
    }
    location = /none {
        content_by_lua_block { ngx.header.content_type = nil ngx.say(tostring(ngx.header.content_type)) }
    }
--- request eval
["GET /default", "GET /set", "GET /last", "GET /none"]
--- response_headers eval
["Content-Type: text/plain", "Content-Type: text/my-plain; charset=utf-8", "Content-Type: c/d",
 "!Content-Type"]
--- response_body eval
["text/plain\n", "text/my-plain; charset=utf-8\n", "x\n", "nil\n"]

=== TEST 4: lua_use_default_type off leaves Content-Type out; a 304 gets none either
--- config
    default_type text/x-default;
    location = /off {
        lua_use_default_type off;
        content_by_lua_block { ngx.say(tostring(ngx.header.content_type)) }
    }
    location = /off-set {
        lua_use_default_type off;
        content_by_lua_block { ngx.header.content_type = "text/mine" ngx.say("x") }
    }
    location = /on {
        content_by_lua_block { ngx.say(ngx.header.content_type) }
    }
    location = /not-modified {
        content_by_lua_block { ngx.status = 304 ngx.send_headers() }
    }
    location = /listed {
        lua_use_default_type off;
        content_by_lua_block { ngx.say(tostring(ngx.resp.get_headers()["content-type"])) }
    }
--- request eval
["GET /off", "GET /off-set", "GET /on", "GET /not-modified", "GET /listed"]
--- error_code eval
[200, 200, 200, 304, 200]
--- response_headers eval
["!Content-Type", "Content-Type: text/mine", "Content-Type: text/x-default", "!Content-Type",
 "!Content-Type"]
--- response_body eval
["nil\n", "x\n", "text/x-default\n", "", "nil\n"]

=== TEST 5: Content-Length
--- config
    location = /t {
        content_by_lua_block {
            ngx.header.content_length = 4
            ngx.header["X-Read"] = ngx.header.content_length
            ngx.say("Hel")
        }
    }
    location = /cleared {
        content_by_lua_block {
            ngx.header.content_length = 4
            ngx.header.content_length = nil
            ngx.say("Hello")
        }
    }
--- request eval
["GET /t", "GET /cleared"]
--- response_headers eval
["Content-Length: 4\nX-Read: 4", "!Content-Length\nTransfer-Encoding: chunked"]
--- response_body eval
["Hel\n", "Hello\n"]

=== TEST 6: a Content-Length that is not a number is an error
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.header.content_length = "text/plain" end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: invalid Content-Length header value$

=== TEST 7: Location stays as given (relative or absolute)
--- config
    location = /relative {
        content_by_lua_block { ngx.status = 302 ngx.header.location = "/foo?a=1" }
    }
    location = /absolute {
        content_by_lua_block { ngx.status = 301 ngx.header["Location"] = "http://example.com/x" }
    }
--- request eval
["GET /relative", "GET /absolute"]
--- error_code eval
[302, 301]
--- response_headers eval
["Location: /foo?a=1", "Location: http://example.com/x"]

=== TEST 8: Server and Date: replaced, or removed
--- config
    location = /set {
        content_by_lua_block { ngx.header.server = "mine" ngx.header.date = "today" ngx.say("x") }
    }
    location = /removed {
        content_by_lua_block { ngx.header.server = nil ngx.header["Date"] = nil ngx.say("x") }
    }
--- request eval
["GET /set", "GET /removed"]
--- response_headers eval
["Server: mine\nDate: today", "!Server\n!Date"]

=== TEST 9: Last-Modified is what nginx's conditional requests use
--- config
    location = /t {
        content_by_lua_block {
            ngx.header.last_modified = "Thu, 01 Jan 2015 00:00:00 GMT"
            ngx.say("body")
        }
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT"]
--- error_code eval
[200, 304]
--- response_headers eval
["Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT", "Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT"]

=== TEST 10: Cache-Control and Link keep nginx's lists in step
--- config
    location = /t {
        content_by_lua_block {
            ngx.header.cache_control = { "no-cache", "no-store" }
            ngx.header.link = "</a>; rel=preload"
            ngx.header.cache_control = { "private", "max-age=1", "must-revalidate" }
            ngx.header.cache_control = { "private", "max-age=2" }
            ngx.say("x")
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "sent: ", ngx.var.sent_http_cache_control, " | ", ngx.var.sent_http_link)
        }
    }
--- request
GET /t
--- response_headers
Cache-Control: private, max-age=2
Link: </a>; rel=preload
--- error_log
sent: private, max-age=2 | </a>; rel=preload

=== TEST 11: after the header is sent: an error in the log, nothing changes
--- config
    location = /t {
        content_by_lua_block {
            ngx.header["X-Before"] = "1"
            ngx.say("sent")
            ngx.header["X-After"] = "1"
            ngx.say("still running ", tostring(ngx.header["X-After"]), " ", ngx.header["X-Before"])
        }
    }
--- request
GET /t
--- response_headers
X-Before: 1
!X-After
--- response_body
sent
still running nil 1
--- error_log
attempt to set ngx.header.HEADER after sending out response headers

=== TEST 12: setting a header again and again reuses its field
--- config
    location = /t {
        content_by_lua_block {
            local function rss()
                for line in io.lines("/proc/self/status") do
                    local kb = line:match("^VmRSS:%s+(%d+)")
                    if kb then return tonumber(kb) end
                end
            end
            for i = 1, 1000 do ngx.header["X-Warm"] = "v" end
            collectgarbage()
            local before = rss()
            for i = 1, 200000 do
                ngx.header["X-Loop"] = "same"
                ngx.header["X-Toggle"] = nil
                ngx.header["X-Toggle"] = "on"
            end
            collectgarbage()
            local grown = rss() - before
            local h = ngx.resp.get_headers()
            ngx.say(h["x-loop"], " ", h["x-toggle"], " ", grown < 1024 and "no growth" or grown .. " KiB")
        }
    }
--- request
GET /t
--- response_headers
X-Loop: same
X-Toggle: on
--- response_body
same on no growth

=== TEST 13: lua_transform_underscores_in_response_headers off
--- config
    location = /t {
        lua_transform_underscores_in_response_headers off;
        content_by_lua_block {
            ngx.header.x_under = "1"
            ngx.say(ngx.header.x_under, " ", tostring(ngx.header["x-under"]))
        }
    }
--- request
GET /t
--- response_headers
x_under: 1
!X-Under
--- response_body
1 nil

=== TEST 14: CR and LF never reach the wire: they are escaped
--- config
    location = /t {
        content_by_lua_block {
            ngx.header["X-Value"] = "a\r\nInjected: 1"
            ngx.header["X-Name\r\nInjected"] = "v"
            ngx.header["X-Multi"] = { "ok", "b\nInjected: 2" }
            ngx.header.content_type = "text/plain\r\nInjected: 3"
            ngx.header.location = "/x\r\nInjected: 4"
            require("ngx.resp").add_header("X-Added", "c\rInjected: 5")
            ngx.say("body")
        }
    }
--- request
GET /t
--- response_headers
X-Value: a%0D%0AInjected: 1
X-Name%0D%0AInjected: v
X-Multi: ok, b%0AInjected: 2
Content-Type: text/plain%0D%0AInjected: 3
Location: /x%0D%0AInjected: 4
X-Added: c%0DInjected: 5
!Injected
--- response_body
body

=== TEST 15: bad names and values
--- config
    location = /t {
        content_by_lua_block {
            local ok, err1 = pcall(function() ngx.header["X-A"] = print end)
            local ok, err2 = pcall(function() ngx.header["X-A"] = { "a", {} } end)
            ngx.header[42] = true
            ngx.say(err1)
            ngx.say(err2)
            ngx.say(ngx.header["42"])
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: bad value for header "X-A": string, number, boolean, table or nil expected, got function
content_by_lua\(nginx\.conf:\d+\):3: bad value for header "X-A": string, number or boolean expected in the table, got table
true$

=== TEST 16: ngx.resp.get_headers
--- config
    location = /t {
        content_by_lua_block {
            ngx.header["X-One"] = "1"
            ngx.header["X-Two"] = { "a", "b" }
            local h = ngx.resp.get_headers()
            ngx.say(h["x-one"], " ", h.x_one, " ", table.concat(h["x-two"], ","), " ",
                    h["content-type"], " ", h.connection)
            local raw = ngx.resp.get_headers(nil, true)
            ngx.say(raw["X-One"], " ", tostring(raw["x-one"]), " ", tostring(getmetatable(raw)))
            local part, err = ngx.resp.get_headers(2)
            local n = 0
            for _ in pairs(part) do n = n + 1 end
            ngx.say(n, " ", err)
            local ok
            ok, err = pcall(ngx.resp.get_headers, "2")
            ngx.say(err)
        }
        log_by_lua_block {
            local h = ngx.resp.get_headers()
            ngx.log(ngx.WARN, "log: ", h["x-one"], " ", h["transfer-encoding"])
        }
    }
--- request
GET /t
--- response_body
1 1 a,b text/plain close
1 nil nil
2 truncated
bad argument #1 to 'get_headers' (number expected, got string)
--- error_log
log: 1 chunked
--- no_repeat: shows the request's Connection header

=== TEST 17: many response headers
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 150 do ngx.header["X-H" .. i] = i end
            local h, err = ngx.resp.get_headers(0)
            local n = 0
            for _ in pairs(h) do n = n + 1 end
            local d, derr = ngx.resp.get_headers()
            local dn = 0
            for _ in pairs(d) do dn = dn + 1 end
            ngx.say(n, " ", tostring(err), " ", h["x-h150"], " ", dn, " ", derr)
        }
    }
--- request
GET /t
--- response_body
152 nil 150 100 truncated

=== TEST 18: ngx.resp.add_header
--- config
    location = /t {
        content_by_lua_block {
            local resp = require "ngx.resp"
            ngx.header["X-A"] = "1"
            resp.add_header("X-A", "2")
            resp.add_header("X-A", { "3", 4 })
            resp.add_header("Content-Type", "text/added")
            resp.add_header("Cache-Control", "no-cache")
            resp.add_header("Cache-Control", "no-store")
            ngx.say(table.concat(ngx.header["X-A"], ","))
            local ok, err = pcall(function() resp.add_header("X-A", nil) end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_headers
X-A: 1, 2, 3, 4
Content-Type: text/added
Cache-Control: no-cache, no-store
--- response_body_like chomp
^1,2,3,4
content_by_lua\(nginx\.conf:\d+\):\d+: invalid header value$

=== TEST 19: ngx.resp.set_status
--- config
    location = /reason {
        content_by_lua_block {
            require("ngx.resp").set_status(299, "Custom Reason")
            ngx.say(ngx.status)
        }
    }
    location = /plain {
        content_by_lua_block { require("ngx.resp").set_status("201.7") ngx.say(ngx.status) }
    }
    location = /injection {
        content_by_lua_block { require("ngx.resp").set_status(200, "OK\r\nInjected: 1") ngx.say("x") }
    }
    location = /bad {
        content_by_lua_block {
            local set_status = require("ngx.resp").set_status
            for _, args in ipairs({ { 99 }, { 1000 }, { 99.5 }, { "abc" }, { 200, 5 } }) do
                local ok, err = pcall(function() set_status(args[1], args[2]) end)
                ngx.say(err)
            end
        }
    }
--- request eval
["GET /reason", "GET /plain", "GET /injection", "GET /bad"]
--- error_code eval
[299, 201, 200, 200]
--- response_headers eval
["", "", "!Injected", ""]
--- response_body_like eval
["^299\n\\z", "^201\n\\z", "^x\n\\z",
 "^content_by_lua\\(nginx\\.conf:\\d+\\):\\d+: invalid HTTP status code 99\n"
 . "content_by_lua\\(nginx\\.conf:\\d+\\):\\d+: invalid HTTP status code 1000\n"
 . "content_by_lua\\(nginx\\.conf:\\d+\\):\\d+: invalid HTTP status code 99.5\n"
 . "content_by_lua\\(nginx\\.conf:\\d+\\):\\d+: bad argument #1 to 'set_status' \\(number expected, got string\\)\n"
 . "content_by_lua\\(nginx\\.conf:\\d+\\):\\d+: bad argument #2 to 'set_status' \\(string expected, got number\\)\n\\z"]

=== TEST 20: headers set in rewrite and access; read in log
--- config
    location = /t {
        rewrite_by_lua_block { ngx.header["X-Rewrite"] = "r" }
        access_by_lua_block { ngx.header["X-Access"] = ngx.header["X-Rewrite"] .. "a" }
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", ngx.header["X-Access"])
            ngx.header["X-Log"] = "too late"
        }
    }
--- request
GET /t
--- response_headers
X-Rewrite: r
X-Access: ra
--- error_log
log: ra
attempt to set ngx.header.HEADER after sending out response headers

=== TEST 21: refused without a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(function() return ngx.header.foo end)
        ngx.log(ngx.WARN, "get: ", err)
        ok, err = pcall(function() ngx.header.foo = "x" end)
        ngx.log(ngx.WARN, "set: ", err)
        ok, err = pcall(ngx.resp.get_headers)
        ngx.log(ngx.WARN, "get_headers: ", err)
        ok, err = pcall(require("ngx.resp").add_header, "a", "b")
        ngx.log(ngx.WARN, "add_header: ", err)
        ok, err = pcall(require("ngx.resp").set_status, 200)
        ngx.log(ngx.WARN, "set_status: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/get: init_by_lua\(nginx\.conf:\d+\):2: no request found/,
 qr/set: init_by_lua\(nginx\.conf:\d+\):4: no request found/,
 qr/get_headers: no request object found/,
 qr/add_header: no request found/,
 qr/set_status: no request found/]

=== TEST 22: the calls are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local header, get_headers = ngx.header, ngx.resp.get_headers
            local add_header = require("ngx.resp").add_header
            local n = 0
            for i = 1, 300 do
                header["X-Loop"] = "v"
            end
            for i = 1, 300 do
                n = n + #header["X-Loop"]
            end
            for i = 1, 300 do
                n = n + #get_headers()["x-loop"]
            end
            for i = 1, 300 do
                add_header("X-Added", "a")
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
600
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):6 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):9 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):12 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:headers|base)\.lua:\d+ -> \d+\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):15 loop\]/]
--- no_error_log
NYI

=== TEST 23: one name, read with and without '_' as '-' in two locations
--- config
    location = /dashes {
        content_by_lua_block { ngx.header.x_same = "dashes" ngx.say(ngx.header.x_same) }
    }
    location = /underscores {
        lua_transform_underscores_in_response_headers off;
        content_by_lua_block { ngx.header.x_same = "underscores" ngx.say(ngx.header.x_same) }
    }
--- request eval
["GET /dashes", "GET /underscores", "GET /dashes"]
--- response_headers eval
["X-Same: dashes\n!x_same", "x_same: underscores\n!X-Same", "X-Same: dashes"]
--- response_body eval
["dashes\n", "underscores\n", "dashes\n"]

=== TEST 24: more names than the per-worker table holds
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 600 do ngx.header["X-N" .. i] = i end
            local ok = 0
            for i = 1, 600 do
                if ngx.header["x_n" .. i] == tostring(i) then ok = ok + 1 end
            end
            ngx.header["X-N600"] = nil
            ngx.say(ok, " ", tostring(ngx.header["X-N600"]))
        }
    }
--- request
GET /t
--- response_headers
X-N1: 1
X-N599: 599
!X-N600
--- response_body
600 nil

=== TEST 25: the compatible ABI, as third-party code binds it (plain and macOS forms)
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            local base = require "resty.core.base"
            ffi.cdef[[
            typedef struct {
                ngx_http_request_t *r;
                const char *key_data;
                size_t key_len;
                int is_nil;
                const char *sval;
                size_t sval_len;
                ngx_http_lua_ffi_str_t *mvals;
                size_t mvals_len;
                int override;
                char **errmsg;
            } test_set_resp_header_params_t;
            int ngx_http_lua_ffi_set_resp_header(ngx_http_request_t *r, const char *key_data,
                size_t key_len, int is_nil, const char *sval, size_t sval_len,
                ngx_http_lua_ffi_str_t *mvals, size_t mvals_len, int override, char **errmsg);
            int ngx_http_lua_ffi_set_resp_header_macos(test_set_resp_header_params_t *p);
            ]]
            local r = base.get_request()
            local err = ffi.new("char *[1]")
            local rc = ffi.C.ngx_http_lua_ffi_set_resp_header(r, "X-Plain", 7, 0, "one", 3, nil, 0, 1, err)
            local p = ffi.new("test_set_resp_header_params_t")
            p.r = r
            p.key_data = "X-Mac"
            p.key_len = 5
            p.is_nil = 0
            p.sval = "two"
            p.sval_len = 3
            p.override = 1
            p.errmsg = err
            local rc2 = ffi.C.ngx_http_lua_ffi_set_resp_header_macos(p)
            ngx.say(rc, " ", rc2, " ", ngx.header["X-Plain"], " ", ngx.header["X-Mac"])
        }
    }
--- request
GET /t
--- response_headers
X-Plain: one
X-Mac: two
--- response_body
0 0 one two

=== TEST 26: ngx.resp.add_header with an empty table adds nothing, as OpenResty's; empty values are dropped
--- config
    location = /t {
        content_by_lua_block {
            local resp = require "ngx.resp"
            ngx.header["X-Kept"] = "1"
            resp.add_header("X-Kept", {})
            resp.add_header("X-None", {})
            resp.add_header("X-Some", { "", "y" })
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_headers
X-Kept: 1
!X-None
X-Some: y
--- response_body
ok
