# Lua errors in handlers: the response, the log line, and the worker going on.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: a runtime error in content gives 500 and a log line with a traceback
--- config
    location = /t {
        content_by_lua_block {
            local function fail() error("boom") end
            fail()
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like chomp
500 Internal Server Error
--- error_log eval
[qr/\[error\] .*lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: boom\nstack traceback:\ncoroutine 0:\n/,
 qr/in (?:upvalue|local|function) 'fail'/]

=== TEST 2: the worker keeps serving after errors
--- config
    location = /err {
        content_by_lua_block { error("boom") }
    }
    location = /ok {
        content_by_lua_block { ngx.say("still serving") }
    }
--- request eval
["GET /err", "GET /ok", "GET /err", "GET /ok"]
--- error_code eval
[500, 200, 500, 200]
--- response_body_like eval
["500 Internal Server Error", "still serving", "500", "still serving"]
--- error_log
lua entry thread aborted: runtime error: content_by_lua(nginx.conf:31):1: boom

=== TEST 3: an error after the header was sent cuts the response short
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("partial")
            ngx.flush(true)
            error("late failure")
        }
    }
--- request
GET /t
--- truncated_response
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):4: late failure/

=== TEST 4: errors in rewrite and access give 500
--- config
    location = /rewrite {
        rewrite_by_lua_block { error("in rewrite") }
        content_by_lua_block { ngx.say("must not run") }
    }
    location = /access {
        access_by_lua_block { error("in access") }
        content_by_lua_block { ngx.say("must not run") }
    }
--- request eval
["GET /rewrite", "GET /access"]
--- error_code eval
[500, 500]
--- error_log eval
[qr/lua entry thread aborted: runtime error: rewrite_by_lua\(nginx\.conf:\d+\):1: in rewrite/,
 qr/lua entry thread aborted: runtime error: access_by_lua\(nginx\.conf:\d+\):1: in access/]

=== TEST 5: an error after a wait gives 500 too
--- config
    location = /t {
        content_by_lua_block {
            ngx.sleep(0.01)
            error("after sleep")
        }
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):3: after sleep/

=== TEST 6: an error in log_by_lua is logged and the response is unaffected
--- config
    location = /t {
        content_by_lua_block { ngx.say("fine") }
        log_by_lua_block { local x = nil; return x.field }
    }
--- request
GET /t
--- response_body
fine
--- error_log eval
qr/failed to run log_by_lua\*: log_by_lua\(nginx\.conf:\d+\):1: attempt to index local 'x' \(a nil value\)/

=== TEST 7: an error object that is not a string
--- config
    location = /t {
        content_by_lua_block { error({ code = 1 }) }
    }
--- request
GET /t
--- error_code: 500
--- error_log
lua entry thread aborted: runtime error: unknown reason

=== TEST 8: an error in init_worker_by_lua is logged and the worker still serves
--- http_config
    init_worker_by_lua_block { error("init worker failed") }
--- config
    location = /t {
        content_by_lua_block { ngx.say("serving") }
    }
--- request
GET /t
--- response_body
serving
--- error_log eval
qr/init_worker_by_lua error: init_worker_by_lua\(nginx\.conf:\d+\):1: init worker failed/

=== TEST 9: an error in init_by_lua stops nginx from starting
--- http_config
    init_by_lua_block { error("init failed") }
--- config
    location = /t { return 204; }
--- must_die
--- error_log eval
qr/init_by_lua error: init_by_lua\(nginx\.conf:\d+\):1: init failed/

=== TEST 10: an error inside a user coroutine is the coroutine's, not the handler's
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = coroutine.resume(coroutine.create(function() error("inner", 0) end))
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
false inner
--- no_error_log
[error]
