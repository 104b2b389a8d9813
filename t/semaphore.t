# ngx.semaphore: new, post, wait, count.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: a handler waits until a timer posts; count goes below zero while it waits
--- config
    location = /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            ngx.say("count ", sem:count())
            assert(ngx.timer.at(0.05, function()
                ngx.log(ngx.WARN, "count while the handler waits: ", sem:count())
                ngx.log(ngx.WARN, "post: ", sem:post())
            end))
            local started = ngx.now()
            ngx.say("wait: ", sem:wait(2))
            ngx.update_time()
            ngx.say("waited for the post: ", ngx.now() - started >= 0.04 and ngx.now() - started < 1.5)
            ngx.say("count ", sem:count())
            -- from inside a coroutine of the handler too
            assert(ngx.timer.at(0.01, function() sem:post(1) end))
            local co = coroutine.wrap(function() return sem:wait(2) end)
            ngx.say("in a coroutine: ", co())
        }
    }
--- request
GET /t
--- response_body
count 0
wait: true
waited for the post: true
count 0
in a coroutine: true
--- error_log
count while the handler waits: -1
post: true

=== TEST 2: resources taken at once; a wait with none times out: at once for 0 (nil, as OpenResty), after waiting (false)
--- config
    location = /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new(2)
            ngx.say(sem:count(), " ", sem:wait(0), " ", sem:wait(1), " ", sem:count())
            ngx.say(sem:wait(0))
            local started = ngx.now()
            ngx.say(sem:wait(0.05))
            ngx.update_time()
            ngx.say("timed out after the wait: ", ngx.now() - started >= 0.04)
            ngx.say("count ", sem:count())
            sem:post(3)
            ngx.say("count ", sem:count())
            ngx.say(semaphore.new("4"):count(), " ", semaphore.new(nil):count())
        }
    }
--- request
GET /t
--- response_body
2 true true 0
niltimeout
falsetimeout
timed out after the wait: true
count 0
count 3
4 0

=== TEST 3: waiters are served in arrival order; a post serves as many as it brings
--- config
    location = /t {
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            local order = {}
            local function waiter(premature, name)
                local ok, err = sem:wait(1)
                order[#order + 1] = name .. "=" .. tostring(ok or err)
            end
            for _, name in ipairs({ "a", "b", "c", "d" }) do
                assert(ngx.timer.at(0, waiter, name))
            end
            ngx.sleep(0.02)
            ngx.say("count ", sem:count())
            sem:post(1)
            ngx.sleep(0.02)
            ngx.say(table.concat(order, " "))
            sem:post(2)
            ngx.sleep(0.02)
            ngx.say(table.concat(order, " "))
            ngx.say("count ", sem:count())
            sem:post(2)
            ngx.sleep(0.02)
            ngx.say(table.concat(order, " "), "; count ", sem:count())
        }
    }
--- request
GET /t
--- response_body
count -4
a=true
a=true b=true c=true
count -1
a=true b=true c=true d=true; count 1

=== TEST 4: a waiter that times out leaves the queue; the next post goes to the others
--- config
    location = /t {
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            local results = {}
            assert(ngx.timer.at(0, function()
                results.short = tostring(select(2, sem:wait(0.03)))
            end))
            assert(ngx.timer.at(0, function()
                results.long = tostring((sem:wait(2)))
            end))
            -- polled, not slept for: on a loaded machine the timers start late
            local function wait_for(done)
                for _ = 1, 400 do
                    if done() then return end
                    ngx.sleep(0.005)
                end
            end
            wait_for(function() return sem:count() == -2 end)
            ngx.say("count ", sem:count())
            wait_for(function() return results.short end)
            ngx.say("short: ", results.short, ", count ", sem:count())
            sem:post()
            wait_for(function() return results.long end)
            ngx.say("long: ", results.long, ", count ", sem:count())
        }
    }
--- request
GET /t
--- response_body
count -2
short: timeout, count -1
long: true, count 0

=== TEST 5: a client that goes away takes its waiter out of the queue
--- http_config
    init_worker_by_lua_block { shared_sem = require("ngx.semaphore").new() }
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.log(ngx.WARN, "waiting")
            shared_sem:wait(2)
            ngx.log(ngx.ERR, "woke up after the client left")
        }
        log_by_lua_block { ngx.log(ngx.WARN, "count after the abort: ", shared_sem:count()) }
    }
--- request
GET /t
--- timeout: 0.3
--- abort
--- wait: 0.2
--- error_log
waiting
count after the abort: 0
--- no_error_log
woke up after the client left

=== TEST 6: argument checks, and where wait is refused
--- http_config
    init_worker_by_lua_block {
        local sem = require("ngx.semaphore").new(1)
        init_worker_result = table.concat({ tostring(sem:wait(0)), select(2, sem:wait(0)) }, " ")
    }
--- config
    location = /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(err)
            end
            try(semaphore.new, -1)
            try(semaphore.new, 2 ^ 31)
            try(sem.post, sem, 0)
            try(sem.post, sem, -3)
            try(sem.post, {})
            try(sem.wait, "x", 1)
            try(sem.count, nil)
            try(sem.wait, sem, "soon")
            try(sem.wait, sem, -1)
            try(semaphore.new, 0 / 0)
            try(sem.post, sem, 0 / 0)
            try(sem.wait, sem, 0 / 0)
            ngx.say(init_worker_result)
        }
        header_filter_by_lua_block {
            local sem = require("ngx.semaphore").new(1)
            ngx.ctx.header_filter = table.concat({ tostring(sem:wait(0)), select(2, sem:wait(0)) }, " ")
        }
        log_by_lua_block {
            local sem = require("ngx.semaphore").new(1)
            sem:post()
            ngx.log(ngx.WARN, "log: ", sem:count(), " ", select(2, sem:wait(0)))
            ngx.log(ngx.WARN, "header_filter: ", ngx.ctx.header_filter)
        }
    }
--- request
GET /t
--- response_body
no negative number
number too large
no negative number
no negative number
not a semaphore instance
not a semaphore instance
not a semaphore instance
bad argument #1 to 'wait' (number expected, got string)
no negative number
no negative number
no negative number
no negative number
nil API disabled in the context of init_worker_by_lua*
--- error_log
log: 2 API disabled in the context of log_by_lua*
header_filter: nil API disabled in the context of header_filter_by_lua*

=== TEST 7: the semaphore functions are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local sem = require("ngx.semaphore").new()
            local n = 0
            for _ = 1, 300 do
                sem:post(2)
                local ok = sem:wait(0)
                n = n + sem:count() + (ok and 1 or 0)
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
45450
--- error_log eval
[main::loop_traces(5)]
--- no_error_log
NYI

=== TEST 8: a wait whose yield fails (inside a C call) leaves no place in the queue behind
--- http_config
    init_worker_by_lua_block { shared_sem = require("ngx.semaphore").new() }
--- config
    location = /fail {
        content_by_lua_block {
            local ok, err = pcall(string.gsub, "x", "x", function() return tostring(shared_sem:wait(5)) end)
            ngx.say(ok, " ", err:match("attempt to yield across C%-call boundary"))
            assert(ngx.timer.at(0.02, function() shared_sem:post(1) end))
            local started = ngx.now()
            ngx.sleep(0.1)
            ngx.update_time()
            ngx.say("the sleep was not cut short: ", ngx.now() - started >= 0.09)
            ngx.say("count ", shared_sem:count())
            ngx.say(shared_sem:wait(0), " count ", shared_sem:count())
            -- left queued when the request ends
            pcall(string.gsub, "x", "x", function() return tostring(shared_sem:wait(5)) end)
        }
    }
    location = /post {
        content_by_lua_block {
            ngx.say("count ", shared_sem:count())
            shared_sem:post(2)
            ngx.say("count ", shared_sem:count())
        }
    }
--- request eval
["GET /fail", "GET /post"]
--- response_body eval
["false attempt to yield across C-call boundary\nthe sleep was not cut short: true\ncount 1\ntrue count 0\n",
 "count 0\ncount 2\n"]
--- no_repeat: the semaphore keeps what the first run left
