# ngx.sleep and the scheduler's wait protocol.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: sleep in rewrite, access and content
--- config
    location = /t {
        rewrite_by_lua_block { ngx.sleep(0.01) ngx.log(ngx.WARN, "rewrite woke") }
        access_by_lua_block { ngx.sleep(0.01) ngx.log(ngx.WARN, "access woke") }
        content_by_lua_block {
            ngx.sleep(0.02)
            ngx.say("content woke")
        }
    }
--- request
GET /t
--- response_body
content woke
--- error_log
rewrite woke
access woke

=== TEST 2: sleep really waits and returns nothing
--- config
    location = /t {
        content_by_lua_block {
            local before = tonumber(io.open("/proc/uptime"):read("*n"))
            local rv = select("#", ngx.sleep(0.3))
            local after = tonumber(io.open("/proc/uptime"):read("*n"))
            ngx.say("returned ", rv, " values, waited enough: ", after - before >= 0.25)
        }
    }
--- request
GET /t
--- response_body
returned 0 values, waited enough: true

=== TEST 3: a sleeping request does not block others in the same worker
--- config
    location = /slow {
        content_by_lua_block { ngx.sleep(1) ngx.say("slow") }
    }
    location = /fast {
        content_by_lua_block { ngx.say("fast") }
    }
--- request eval
["GET /fast", "GET /fast"]
--- response_body eval
["fast\n", "fast\n"]

=== TEST 4: sleep(0) yields to the event loop without a warning
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 100 do
                ngx.sleep(0)
            end
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done
--- no_error_log
[warn]
[error]

=== TEST 5: sleep is disabled in log_by_lua
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            local ok, err = pcall(ngx.sleep, 0.1)
            ngx.log(ngx.WARN, "log sleep: ", err)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
log sleep: API disabled in the context of log_by_lua*

=== TEST 6: sleep is disabled in init_worker_by_lua and init_by_lua
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.sleep, 1)
        ngx.log(ngx.WARN, "init sleep: ", err)
    }
    init_worker_by_lua_block {
        local ok, err = pcall(ngx.sleep, 1)
        ngx.log(ngx.WARN, "init_worker sleep: ", err)
    }
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- error_log
init sleep: no request found
init_worker sleep: API disabled in the context of init_worker_by_lua*

=== TEST 7: bad arguments
--- config
    location = /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.sleep, ...)
                ngx.say(err)
            end
            try()
            try(1, 2)
            try("abc")
            try({})
            try(-1)
            try(0/0)
            try(1e12)
            local ok = pcall(ngx.sleep, "0.001")
            ngx.say("numeric string: ", ok)
        }
    }
--- request
GET /t
--- response_body
attempt to pass 0 arguments, but accepted 1
attempt to pass 2 arguments, but accepted 1
bad argument #1 to 'sleep' (number expected, got string)
bad argument #1 to 'sleep' (number expected, got table)
invalid sleep duration "-1000"
invalid sleep duration "nan"
invalid sleep duration "1e+15"
numeric string: true

=== TEST 8: the client going away cancels the sleep (lua_check_client_abort on)
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.log(ngx.WARN, "going to sleep")
            ngx.sleep(2)
            ngx.log(ngx.ERR, "woke up after the client left")
        }
        log_by_lua_block { ngx.log(ngx.WARN, "log phase status: ", ngx.status) }
    }
--- request
GET /t
--- timeout: 0.3
--- abort
--- wait: 0.2
--- error_log
going to sleep
client prematurely closed connection
log phase status: 499
--- no_error_log
woke up after the client left

=== TEST 9: without lua_check_client_abort the handler runs to its end
--- config
    location = /t {
        content_by_lua_block {
            ngx.sleep(0.5)
            ngx.log(ngx.WARN, "woke up, say returns: ", ngx.say("late"))
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.6
--- error_log
woke up, say returns: 

=== TEST 10: sleep in a rewrite handler, then nginx's own content handler
--- user_files
>>> t.txt
static after sleep
--- config
    location = /t.txt {
        root html;
        rewrite_by_lua_block { ngx.sleep(0.01) ngx.log(ngx.WARN, "rewrite slept") }
    }
--- request
GET /t.txt
--- response_body
static after sleep
--- error_log
rewrite slept

=== TEST 11: a sleep in a user coroutine suspends the handler until it ends, as in OpenResty
--- config
    location = /t {
        content_by_lua_block {
            local order = {}
            local cos = {}
            for i = 1, 5 do
                cos[i] = coroutine.create(function()
                    ngx.sleep((6 - i) * 0.01)
                    order[#order + 1] = i
                end)
            end
            for i = 1, 5 do
                coroutine.resume(cos[i])
            end
            ngx.say(table.concat(order, ","))
        }
    }
--- request
GET /t
--- response_body
1,2,3,4,5

=== TEST 12: auth_request subrequests to Lua locations that wait
--- config
    location = /auth_ok {
        internal;
        content_by_lua_block { ngx.sleep(0.01) ngx.exit(204) }
    }
    location = /auth_no {
        internal;
        content_by_lua_block { ngx.sleep(0.01) ngx.exit(403) }
    }
    location = /t {
        auth_request /auth_ok;
        content_by_lua_block { ngx.sleep(0.01) ngx.say("allowed ", ngx.is_subrequest) }
    }
    location = /n {
        auth_request /auth_no;
        content_by_lua_block { ngx.say("must not run") }
    }
--- request eval
["GET /t", "GET /n"]
--- error_code eval
[200, 403]
--- response_body_like eval
["allowed false", "403"]
