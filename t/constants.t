# ngx.OK & co, ngx.null and the HTTP constants.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: core constants and ngx.null
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.OK, " ", ngx.ERROR, " ", ngx.AGAIN, " ", ngx.DONE, " ", ngx.DECLINED)
            ngx.say(type(ngx.null), " ", ngx.null == nil, " ", tostring(ngx.null))
        }
    }
--- request
GET /t
--- response_body
0 -1 -2 -4 -5
userdata false userdata: NULL

=== TEST 2: HTTP method constants
--- config
    location = /t {
        content_by_lua_block {
            for _, m in ipairs({"GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
                                "OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH",
                                "TRACE"}) do
                ngx.print(ngx["HTTP_" .. m], " ")
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body
2 4 8 16 32 64 128 256 512 1024 2048 4096 8192 16384 32768 

=== TEST 3: HTTP status constants
--- config
    location = /t {
        content_by_lua_block {
            local names = {"CONTINUE", "SWITCHING_PROTOCOLS", "OK", "CREATED", "ACCEPTED",
                "NO_CONTENT", "PARTIAL_CONTENT", "SPECIAL_RESPONSE", "MOVED_PERMANENTLY",
                "MOVED_TEMPORARILY", "SEE_OTHER", "NOT_MODIFIED", "TEMPORARY_REDIRECT",
                "PERMANENT_REDIRECT", "BAD_REQUEST", "UNAUTHORIZED", "PAYMENT_REQUIRED",
                "FORBIDDEN", "NOT_FOUND", "NOT_ALLOWED", "NOT_ACCEPTABLE", "REQUEST_TIMEOUT",
                "CONFLICT", "GONE", "UPGRADE_REQUIRED", "TOO_MANY_REQUESTS", "CLOSE", "ILLEGAL",
                "INTERNAL_SERVER_ERROR", "METHOD_NOT_IMPLEMENTED", "NOT_IMPLEMENTED", "BAD_GATEWAY",
                "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT", "VERSION_NOT_SUPPORTED",
                "INSUFFICIENT_STORAGE"}
            for _, n in ipairs(names) do
                ngx.print(ngx["HTTP_" .. n], " ")
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body
100 101 200 201 202 204 206 300 301 302 303 304 307 308 400 401 402 403 404 405 406 408 409 410 426 429 444 451 500 501 501 502 503 504 505 507 

=== TEST 4: require "resty.core" works and is the built-in layer
--- config
    location = /t {
        content_by_lua_block {
            local core = require "resty.core"
            ngx.say(type(core), " ", core.version)
            ngx.say(require("resty.core.base").FFI_BAD_CONTEXT)
        }
    }
--- request
GET /t
--- response_body
table 0.1.31
-101
