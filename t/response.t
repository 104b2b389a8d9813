# ngx.status.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: set and get the status before output
--- config
    location = /t {
        content_by_lua_block {
            local before = ngx.status
            ngx.status = ngx.HTTP_CREATED
            ngx.say(before, " ", ngx.status)
        }
    }
--- request
GET /t
--- error_code: 201
--- response_body
0 201

=== TEST 2: a status nginx has no reason phrase for
--- config
    location = /t {
        content_by_lua_block {
            ngx.status = 599
            ngx.say("custom")
        }
    }
--- request
GET /t
--- error_code: 599
--- response_body
custom

=== TEST 3: a numeric string is accepted
--- config
    location = /t {
        content_by_lua_block { ngx.status = "202" ngx.say(ngx.status) }
    }
--- request
GET /t
--- error_code: 202
--- response_body
202

=== TEST 4: setting the status after the header is sent logs an error and keeps it
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("sent")
            ngx.status = 404
            ngx.say(ngx.status)
        }
    }
--- request
GET /t
--- response_body
sent
200
--- error_log
attempt to set ngx.status after sending out response headers

=== TEST 5: invalid values are refused
--- config
    location = /t {
        content_by_lua_block {
            for _, v in ipairs({"abc", 42, 1000, {}}) do
                local ok, err = pcall(function() ngx.status = v end)
                ngx.say(err)
            end
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):3: bad value for ngx\.status \(number expected, got string\)
content_by_lua\(nginx\.conf:\d+\):3: invalid HTTP status code 42
content_by_lua\(nginx\.conf:\d+\):3: invalid HTTP status code 1000
content_by_lua\(nginx\.conf:\d+\):3: bad value for ngx\.status \(number expected, got table\)
$

=== TEST 6: the status set in rewrite is seen by content and log
--- config
    location = /t {
        rewrite_by_lua_block { ngx.status = 418 }
        content_by_lua_block { ngx.say("status in content: ", ngx.status) }
        log_by_lua_block { ngx.log(ngx.WARN, "status in log: ", ngx.status) }
    }
--- request
GET /t
--- error_code: 418
--- response_body
status in content: 418
--- error_log
status in log: 418

=== TEST 7: the status of an nginx error page is seen in log_by_lua
--- config
    location = /t {
        return 404;
        log_by_lua_block { ngx.log(ngx.WARN, "status: ", ngx.status, " sent: ", ngx.headers_sent) }
    }
--- request
GET /t
--- error_code: 404
--- error_log
status: 404 sent: true

=== TEST 8: ngx.status and ngx.headers_sent need a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(function() return ngx.status end)
        ngx.log(ngx.WARN, "get: ", err)
        ok, err = pcall(function() ngx.status = 200 end)
        ngx.log(ngx.WARN, "set: ", err)
        ok, err = pcall(function() return ngx.headers_sent end)
        ngx.log(ngx.WARN, "headers_sent: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/get: init_by_lua\(nginx\.conf:\d+\):2: no request found/,
 qr/set: init_by_lua\(nginx\.conf:\d+\):4: no request found/,
 qr/headers_sent: init_by_lua\(nginx\.conf:\d+\):6: no request found/]

=== TEST 9: other keys of ngx still work as a plain table
--- config
    location = /t {
        content_by_lua_block {
            ngx.my_field = "mine"
            ngx.say(ngx.my_field, " ", tostring(ngx.no_such_field))
        }
    }
--- request
GET /t
--- response_body
mine nil

=== TEST 10: magic keys without a setter are read-only
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.headers_sent = true end)
            ngx.say(err)
            ngx.say(ngx.headers_sent)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: attempt to set read-only ngx\.headers_sent
true
$

=== TEST 11: a fractional status loses its fraction, as in OpenResty; one beyond int range is refused
--- config
    location = /number {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.status = 2^32 + 200 end)
            ngx.status = 201.7
            ngx.say(ngx.status, " ", err)
        }
    }
    location = /string {
        content_by_lua_block { ngx.status = "202.9" ngx.say(ngx.status) }
    }
--- request eval
["GET /number", "GET /string"]
--- error_code eval
[201, 202]
--- response_body_like eval
["^201 content_by_lua\\(nginx\\.conf:\\d+\\):2: invalid HTTP status code 4294967496\n\\z", "^202\n\\z"]

=== TEST 12: reading and setting ngx.status are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local n = 0
            for i = 1, 300 do
                ngx.status = 200 + i % 2
            end
            for i = 1, 300 do
                n = n + ngx.status
            end
            ngx.status = 200
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
60000
--- error_log eval
[loop_traces(4, 7)]
--- no_error_log
NYI

=== TEST 13: status 101 has its reason phrase in the status line (nginx has none for it), for ngx.status and ngx.resp.set_status
--- config
    location = /status {
        content_by_lua_block {
            ngx.status = ngx.HTTP_SWITCHING_PROTOCOLS
            ngx.send_headers()
            ngx.flush(true)
        }
    }
    location = /set_status {
        content_by_lua_block {
            require("ngx.resp").set_status(101)
            ngx.send_headers()
            ngx.flush(true)
        }
    }
--- raw_request eval
["GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
 "GET /set_status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"]
--- error_code eval
[101, 101]
--- status_line eval
["HTTP/1.1 101 Switching Protocols", "HTTP/1.1 101 Switching Protocols"]
--- response_body eval
["", ""]

=== TEST 14: ngx.resp.set_status's reason reaches the status line over HTTP/1.0 and 1.1; ngx.status after it takes nginx's again
--- config
    location = /reason {
        content_by_lua_block {
            require("ngx.resp").set_status(299, "Very Good")
            ngx.say("x")
        }
    }
    location = /reset {
        content_by_lua_block {
            require("ngx.resp").set_status(299, "Very Good")
            ngx.status = 404
            ngx.say("x")
        }
    }
--- raw_request eval
["GET /reason HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
 "GET /reason HTTP/1.0\r\nHost: localhost\r\n\r\n",
 "GET /reset HTTP/1.0\r\nHost: localhost\r\n\r\n"]
--- error_code eval
[299, 299, 404]
--- status_line eval
["HTTP/1.1 299 Very Good", "HTTP/1.1 299 Very Good", "HTTP/1.1 404 Not Found"]
--- response_body eval
["x\n", "x\n", "x\n"]
