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
--- response_body_like
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
--- ignore_response

=== TEST 10: exit(ngx.ERROR) closes the connection
--- config
    location = /t {
        content_by_lua_block { ngx.exit(ngx.ERROR) }
    }
--- request
GET /t
--- ignore_response

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
            local ok, err = pcall(ngx.exit, ngx.DECLINED)
            ngx.say("declined: ", err)
        }
    }
--- request
GET /t
--- response_body_like
^abc: bad argument #1 to 'exit' \(number expected, got string\)
table: bad argument #1 to 'exit' \(number expected, got table\)
-2: bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE
-4: bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE
1000: bad argument to 'ngx.exit': invalid status code
42: bad argument to 'ngx.exit': invalid status code
declined: bad argument to 'ngx.exit': NGX_DECLINED is not allowed in content_by_lua\*
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
init: API disabled in the context of init_by_lua*
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
