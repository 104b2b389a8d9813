# ngx.thread (light threads), coroutine.* beside them, and ngx.on_abort.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: spawn runs the thread at once; wait returns its results; a zombie is waited on without yielding
--- config
    location = /t {
        content_by_lua_block {
            local order = {}
            local t = ngx.thread.spawn(function(a, b, c)
                order[#order + 1] = "thread"
                return a, b, c, select("#", a, b, c)
            end, 1, nil, "three")
            order[#order + 1] = "after spawn"
            ngx.say(table.concat(order, ", "))
            ngx.say(coroutine.status(t))
            ngx.say(ngx.thread.wait(t))
            ngx.say(coroutine.status(t))
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
thread, after spawn
zombie
true1nilthree3
dead
nilalready waited or killed

=== TEST 2: a thread that waits: the parent goes on, then waits for it; the first of several to end is returned
--- config
    location = /t {
        content_by_lua_block {
            local slow = ngx.thread.spawn(function() ngx.sleep(0.2) return "slow" end)
            local fast = ngx.thread.spawn(function() ngx.sleep(0.01) return "fast" end)
            ngx.say("spawned: ", coroutine.status(slow), " ", coroutine.status(fast))
            ngx.say(ngx.thread.wait(slow, fast))
            ngx.say(ngx.thread.wait(slow, fast))
            ngx.say(ngx.thread.wait(slow))
        }
    }
--- request
GET /t
--- response_body
spawned: running running
truefast
nilalready waited or killed
trueslow

=== TEST 3: threads run interleaved with the entry thread and each other
--- config
    location = /t {
        content_by_lua_block {
            local function worker(name, n)
                for i = 1, n do
                    ngx.say(name, " ", i)
                    ngx.sleep(0.01 * n)
                end
                return name
            end
            local a = ngx.thread.spawn(worker, "a", 2)
            local b = ngx.thread.spawn(worker, "b", 3)
            ngx.say("entry")
            ngx.say(select(2, ngx.thread.wait(a)), " ", select(2, ngx.thread.wait(b)))
        }
    }
--- request
GET /t
--- response_body
a 1
b 1
entry
a 2
b 2
b 3
a b

=== TEST 4: the handler ends once the entry thread and every thread have ended
--- config
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function()
                ngx.sleep(0.05)
                ngx.say("thread done")
            end)
            ngx.say("entry done")
        }
    }
--- request
GET /t
--- response_body
entry done
thread done

=== TEST 5: an error in a thread is logged and ends only that thread; wait returns false and the error
--- config
    location = /t {
        content_by_lua_block {
            local bad = ngx.thread.spawn(function() ngx.sleep(0.01) error("thread boom") end)
            local now = ngx.thread.spawn(function() error({}) end)
            local good = ngx.thread.spawn(function() ngx.sleep(0.02) return "good" end)
            local ok, err = ngx.thread.wait(bad)
            ngx.say(ok, " ", err)
            ok, err = ngx.thread.wait(now)
            ngx.say(ok, " ", type(err))
            ngx.say(ngx.thread.wait(good))
        }
    }
--- request
GET /t
--- response_body_like chomp
^false content_by_lua\(nginx\.conf:\d+\):2: thread boom
false table
truegood
$
--- error_log eval
[qr/\[error\] .*lua user thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: thread boom\nstack traceback:\ncoroutine 0:\n/,
 qr/lua user thread aborted: runtime error: unknown reason/]

=== TEST 6: an error in the entry thread ends its threads (the request gets 500)
--- config
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function()
                ngx.sleep(0.05)
                ngx.log(ngx.ERR, "thread still ran")
            end)
            error("entry boom")
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like chomp
500 Internal Server Error
--- wait: 0.1
--- error_log
lua entry thread aborted: runtime error: content_by_lua
entry boom
--- no_error_log
thread still ran

=== TEST 7: ngx.exit in a thread ends the handler and every other thread at once
--- config
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function()
                ngx.sleep(0.01)
                ngx.say("thread exits")
                ngx.exit(ngx.HTTP_OK)
            end)
            ngx.thread.spawn(function()
                ngx.sleep(0.05)
                ngx.log(ngx.ERR, "other thread still ran")
            end)
            ngx.sleep(1)
            ngx.say("entry still ran")
        }
    }
--- request
GET /t
--- response_body
thread exits
--- wait: 0.1
--- no_error_log
still ran

=== TEST 8: ngx.exit in a thread during its first run (inside spawn) ends the handler
--- config
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function()
                ngx.header["X-Thread"] = "ran"
                ngx.exit(201)
            end)
            ngx.say("entry still ran")
        }
    }
--- request
GET /t
--- error_code: 201
--- response_headers
X-Thread: ran
--- response_body chomp

=== TEST 9: threads in rewrite and access; the phase ends when its threads have
--- config
    location = /t {
        rewrite_by_lua_block {
            ngx.thread.spawn(function() ngx.sleep(0.02) ngx.ctx.rewrite = "rewrite thread" end)
        }
        access_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.01) return "access thread" end)
            ngx.ctx.access = select(2, ngx.thread.wait(t))
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.rewrite, ", ", ngx.ctx.access)
        }
    }
--- request
GET /t
--- response_body
rewrite thread, access thread

=== TEST 10: threads in a timer's callback; the run ends when its threads have
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            assert(ngx.timer.at(0, function()
                local t = ngx.thread.spawn(function() ngx.sleep(0.01) return "waited" end)
                ngx.thread.spawn(function() ngx.sleep(0.03) results:set("late", "late thread") end)
                results:set("waited", select(2, ngx.thread.wait(t)))
            end))
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("late") or ngx.now() > deadline
            ngx.say(results:get("waited"), ", ", results:get("late"), ", running: ", ngx.timer.running_count())
        }
    }
--- http_config
    lua_shared_dict results 1m;
--- request
GET /t
--- response_body
waited, late thread, running: 0
--- no_repeat: a repeated request would count the first request's timer still running

=== TEST 11: argument errors of spawn, wait and kill
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(pcall(ngx.thread.spawn))
            ngx.say(pcall(ngx.thread.spawn, 1))
            ngx.say(pcall(ngx.thread.spawn, tostring))
            ngx.say(pcall(ngx.thread.wait))
            ngx.say(pcall(ngx.thread.wait, 1))
            local co = coroutine.create(function() end)
            ngx.say(pcall(ngx.thread.wait, co))
            ngx.say(pcall(ngx.thread.kill))
            ngx.say(ngx.thread.kill(co))
        }
    }
--- request
GET /t
--- response_body
falsebad argument #1 to 'spawn' (Lua function expected)
falsebad argument #1 to 'spawn' (Lua function expected)
falsebad argument #1 to 'spawn' (Lua function expected)
falseat least one coroutine should be specified
falsebad argument #1 to 'wait' (lua thread expected)
falseattempt to wait on a coroutine that is not a user thread
falsebad argument #1 to 'kill' (lua thread expected)
nilnot user thread

=== TEST 12: only the parent waits on or kills a thread
--- config
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.05) return "t" end)
            local sibling = ngx.thread.spawn(function()
                ngx.say("kill from a sibling: ", ngx.thread.kill(t))
                ngx.say("wait from a sibling: ", pcall(ngx.thread.wait, t))
                ngx.say("wait on itself: ", pcall(ngx.thread.wait, coroutine.running()))
            end)
            ngx.thread.wait(sibling)
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
kill from a sibling: nilkiller not parent
wait from a sibling: falseonly the parent coroutine can wait on the thread
wait on itself: falseonly the parent coroutine can wait on the thread
truet

=== TEST 13: kill: a waiting thread, a zombie, a dead one
--- config
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.05) ngx.log(ngx.ERR, "killed thread ran") end)
            ngx.say("kill waiting: ", ngx.thread.kill(t))
            ngx.say("status: ", coroutine.status(t))
            ngx.say("kill again: ", ngx.thread.kill(t))
            ngx.say("wait killed: ", ngx.thread.wait(t))
            local z = ngx.thread.spawn(function() return 1 end)
            ngx.say("kill zombie: ", ngx.thread.kill(z))
            ngx.say("wait killed zombie: ", ngx.thread.wait(z))
            ngx.sleep(0.1)
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
kill waiting: 1
status: dead
kill again: nilalready waited or killed
wait killed: nilalready waited or killed
kill zombie: nilalready terminated
wait killed zombie: nilalready waited or killed
done
--- no_error_log
killed thread ran

=== TEST 14: a killed thread leaves the semaphore queue; the next post goes to a live waiter
--- config
    location = /t {
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            local killed = ngx.thread.spawn(function() sem:wait(1) ngx.log(ngx.ERR, "killed waiter ran") end)
            local live = ngx.thread.spawn(function() return sem:wait(1) end)
            ngx.say("count with two waiters: ", sem:count())
            ngx.thread.kill(killed)
            ngx.say("count after the kill: ", sem:count())
            sem:post(1)
            ngx.say(ngx.thread.wait(live))
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
count with two waiters: -2
count after the kill: -1
truetrue
count: 0
--- no_error_log
killed waiter ran

=== TEST 15: a thread spawned in a user coroutine has that coroutine as its parent
--- config
    location = /t {
        content_by_lua_block {
            local t
            local co = coroutine.create(function()
                t = ngx.thread.spawn(function() ngx.sleep(0.01) return "from co" end)
                coroutine.yield("spawned")
                return ngx.thread.wait(t)
            end)
            ngx.say(coroutine.resume(co))
            ngx.say(pcall(ngx.thread.wait, t))
            ngx.say(coroutine.resume(co))
        }
    }
--- request
GET /t
--- response_body
truespawned
falseonly the parent coroutine can wait on the thread
truetruefrom co

=== TEST 16: coroutines blocked in a wait cannot be resumed by user code; their wait goes on
--- config
    location = /t {
        content_by_lua_block {
            local inner = coroutine.create(function() ngx.sleep(0.05) return "inner woke" end)
            local outer = coroutine.create(function() return coroutine.resume(inner) end)
            local t = ngx.thread.spawn(function() return coroutine.resume(outer) end)
            ngx.say("status: outer ", coroutine.status(outer), ", inner ", coroutine.status(inner), ", thread ", coroutine.status(t))
            ngx.say("resume outer: ", coroutine.resume(outer))
            ngx.say("resume inner: ", coroutine.resume(inner))
            ngx.say("resume thread: ", coroutine.resume(t))
            ngx.say("wrap: ", pcall(coroutine.wrap(function() return coroutine.resume(inner) end)))
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
status: outer normal, inner running, thread running
resume outer: falsecannot resume normal coroutine
resume inner: falsecannot resume running coroutine
resume thread: falsecannot resume running coroutine
wrap: truefalsecannot resume running coroutine
truetruetrueinner woke

=== TEST 17: a waiting entry thread cannot be resumed from a light thread; its sleep is not cut short
--- config
    location = /t {
        content_by_lua_block {
            local entry = coroutine.running()
            ngx.thread.spawn(function()
                ngx.sleep(0.01)
                ngx.say("resume entry: ", coroutine.resume(entry))
            end)
            local started = ngx.now()
            ngx.sleep(0.1)
            ngx.update_time()
            ngx.say("slept in full: ", ngx.now() - started >= 0.09)
        }
    }
--- request
GET /t
--- response_body
resume entry: falsecannot resume running coroutine
slept in full: true

=== TEST 18: user coroutines interleave with threads and waits; yields inside are theirs
--- config
    location = /t {
        content_by_lua_block {
            local gen = coroutine.wrap(function()
                for i = 1, 3 do
                    ngx.sleep(0.01)
                    coroutine.yield(i)
                end
            end)
            local t = ngx.thread.spawn(function()
                local co = coroutine.create(function(x)
                    local y = coroutine.yield(x + 1)
                    ngx.sleep(0.01)
                    return y * 2
                end)
                local _, a = coroutine.resume(co, 1)
                local _, b = coroutine.resume(co, 10)
                return a, b, coroutine.status(co)
            end)
            ngx.say(gen(), gen(), gen())
            ngx.say(ngx.thread.wait(t))
            ngx.say(coroutine.isyieldable())
        }
    }
--- request
GET /t
--- response_body
123
true220dead
true

=== TEST 19: a bare coroutine.yield in threads gives the event loop a turn
--- config
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function()
                ngx.say("t1")
                coroutine.yield()
                ngx.say("t2")
                return "r"
            end)
            ngx.say("entry after spawn")
            coroutine.yield()
            ngx.say("entry after yield")
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
t1
entry after spawn
t2
entry after yield
truer

=== TEST 20: where code may not wait, spawn, wait and kill are refused
--- config
    location = /t {
        set_by_lua_block $set_result { return tostring(select(2, pcall(ngx.thread.spawn, function() end))) }
        content_by_lua_block {
            ngx.say("set: ", ngx.var.set_result)
        }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.thread.spawn, function() end)
            ngx.log(ngx.WARN, "header_filter spawn: ", err)
        }
        body_filter_by_lua_block {
            local ok, err = pcall(ngx.thread.wait, coroutine.running())
            if ngx.arg[2] then ngx.log(ngx.WARN, "body_filter wait: ", err) end
        }
        log_by_lua_block {
            local ok, err = pcall(ngx.thread.kill, coroutine.running())
            ngx.log(ngx.WARN, "log kill: ", err)
        }
    }
--- request
GET /t
--- response_body
set: API disabled in the context of set_by_lua*
--- error_log
header_filter spawn: API disabled in the context of header_filter_by_lua*
body_filter wait: API disabled in the context of body_filter_by_lua*
log kill: API disabled in the context of log_by_lua*

=== TEST 21: init_worker_by_lua may not spawn
--- http_config
    init_worker_by_lua_block {
        local ok, err = pcall(ngx.thread.spawn, function() end)
        ngx.log(ngx.WARN, "init_worker spawn: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log
init_worker spawn: API disabled in the context of init_worker_by_lua*

=== TEST 22: a wait inside a C call fails cleanly and starts nothing (sleep, semaphore, read_body)
--- config
    location = /t {
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            ngx.say(pcall(string.gsub, "a", "a", function() ngx.sleep(0.01) end))
            ngx.say(pcall(string.gsub, "a", "a", function() sem:wait(1) end))
            ngx.say("count: ", sem:count())
            local other = ngx.thread.spawn(function() return sem:wait(1) end)
            sem:post(1)
            ngx.say("live waiter: ", ngx.thread.wait(other))
            ngx.say(pcall(string.gsub, "a", "a", function() ngx.req.read_body() end))
            ngx.req.read_body()
            ngx.say("body: ", ngx.req.get_body_data())
            local co = coroutine.create(function() ngx.sleep(0.01) return "never" end)
            ngx.say(pcall(string.gsub, "a", "a", function() return tostring(select(2, coroutine.resume(co))) end))
            ngx.sleep(0.02)
            ngx.say("still here")
        }
    }
--- request
POST /t
hello, body
--- body_pause: 0.2
--- response_body
falseattempt to yield across C-call boundary
falseattempt to yield across C-call boundary
count: 0
live waiter: truetrue
falseattempt to yield across C-call boundary
body: hello, body
trueattempt to yield across C-call boundary1
still here

=== TEST 23: ngx.on_abort: off without lua_check_client_abort; registered once; arguments
--- config
    location = /off {
        content_by_lua_block {
            ngx.say(ngx.on_abort(function() end))
        }
    }
    location = /on {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.say(ngx.on_abort(function() end))
            ngx.say(ngx.on_abort(function() end))
            ngx.say(pcall(ngx.on_abort, 1))
        }
    }
--- request eval
["GET /off", "GET /on"]
--- response_body eval
["nillua_check_client_abort is off\n",
 "1\nnilduplicate call\nfalsebad argument #1 to 'on_abort' (Lua function expected)\n"]

=== TEST 24: ngx.on_abort's callback runs when the client goes away and may end the request
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.on_abort(function()
                ngx.log(ngx.WARN, "on_abort ran in ", ngx.get_phase())
                ngx.exit(499)
            end)
            ngx.sleep(2)
            ngx.log(ngx.ERR, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.3
--- error_log eval
[qr/\[info\] .*client prematurely closed connection, client: /,
 "on_abort ran in content"]
--- no_error_log
handler went on

=== TEST 25: a callback that does not end the request lets the handler go on
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.on_abort(function() ngx.log(ngx.WARN, "on_abort ignores it") end)
            ngx.sleep(0.4)
            ngx.log(ngx.WARN, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.1
--- abort
--- wait: 0.5
--- error_log
on_abort ignores it
handler went on

=== TEST 26: a client that goes away while threads sleep, wait on a semaphore and on each other frees everything
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            ngx.thread.spawn(function() ngx.sleep(5) end)
            ngx.thread.spawn(function() sem:wait(5) end)
            ngx.thread.spawn(function()
                ngx.thread.wait(ngx.thread.spawn(function() ngx.sleep(5) end))
            end)
            ngx.thread.spawn(function()
                local co = coroutine.create(function() ngx.sleep(5) end)
                coroutine.resume(co)
            end)
            ngx.sleep(5)
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.2
--- error_log
client prematurely closed connection

=== TEST 27: ngx.exit in a timer's callback ends it
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            assert(ngx.timer.at(0, function()
                results:set("before", true)
                ngx.exit(ngx.OK)
                results:set("after", true)
            end))
            assert(ngx.timer.at(0, function()
                ngx.sleep(0.01)
                ngx.exit(500)
                results:set("after sleep", true)
            end))
            ngx.sleep(0.05)
            ngx.say(results:get("before"), " ", results:get("after"), " ", results:get("after sleep"),
                    " ", ngx.timer.running_count())
        }
    }
--- http_config
    lua_shared_dict results 1m;
--- request
GET /t
--- response_body
true nil nil 0

=== TEST 28: ngx.sleep(0) and bare yields keep running while the worker shuts down
--- config
    location = /t {
        content_by_lua_block {
            assert(ngx.timer.at(0, function()
                repeat ngx.sleep(0) until ngx.worker.exiting()
                for i = 1, 50 do ngx.sleep(0) end
                local co = coroutine.running()
                for i = 1, 50 do coroutine.yield() end
                ngx.log(ngx.WARN, "sleep(0) loop finished while exiting")
            end))
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
sleep(0) loop finished while exiting

=== TEST 29: a handler looping on sleep(0) sends its whole body while the worker shuts down
--- config
    location = /t {
        content_by_lua_block {
            require("ngx.process").signal_graceful_exit()
            for i = 1, 200 do
                ngx.sleep(0)
                ngx.print(i % 10)
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body eval
("1234567890" x 20) . "\n"
--- no_error_log
left in connection

=== TEST 30: 10,000 pending timers all run prematurely at shutdown
--- http_config
    lua_max_pending_timers 10001;
    init_worker_by_lua_block {
        premature_runs = 0
    }
    exit_worker_by_lua_block {
        ngx.log(ngx.WARN, "premature runs: ", premature_runs)
    }
--- config
    location = /t {
        content_by_lua_block {
            local function count(premature)
                if premature then premature_runs = premature_runs + 1 end
            end
            for i = 1, 10000 do
                assert(ngx.timer.at(100, count))
            end
            ngx.say(ngx.timer.pending_count())
        }
    }
--- request
GET /t
--- response_body
10000
--- error_log
premature runs: 10000
--- no_repeat: the 10,000 timers stay pending until shutdown, so a second request finds the limit reached

=== TEST 31: worker_connections 32: 1,000 concurrent sleeping timers need no connection
--- worker_connections: 32
--- http_config
    lua_max_running_timers 1000;
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            results:set("done", 0)
            for i = 1, 1000 do
                local ok, err = ngx.timer.at(0, function()
                    ngx.sleep(0.05)
                    results:incr("done", 1)
                end)
                if not ok then ngx.say("timer ", i, ": ", err) return end
            end
            local deadline = ngx.now() + 3
            repeat ngx.sleep(0.02) until results:get("done") == 1000 or ngx.now() > deadline
            ngx.say("done: ", results:get("done"))
        }
    }
--- request
GET /t
--- timeout: 5
--- response_body
done: 1000

=== TEST 32: ngx.flush(true) waits for nginx's own buffered output on plain HTTP
--- no_forced_eagain: 4 MiB of output at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 27 of output.t flushes under it
--- config
    location = /t {
        content_by_lua_block {
            ngx.print(string.rep("x", 4 * 1024 * 1024))
            local ok, err = ngx.flush(true)
            ngx.say()
            ngx.say(ok, " ", err)
        }
    }
--- log_level: debug
--- request
GET /t
--- response_body eval
("x" x (4 * 1024 * 1024)) . "\n1 nil\n"
--- error_log
lua flush: waiting for the output to be written

=== TEST 33: entry threads ended by errors and exits are reset and reused
--- config
    location = /fail {
        content_by_lua_block {
            ngx.sleep(0.001)
            error("fails while it could wait")
        }
    }
    location = /exit {
        content_by_lua_block {
            ngx.sleep(0.001)
            ngx.exit(204)
        }
    }
    location = /t {
        content_by_lua_block {
            ngx.say("ok")
        }
    }
--- request eval
["GET /fail", "GET /exit", "GET /t", "GET /fail", "GET /t"]
--- error_code eval
[500, 204, 200, 500, 200]
--- response_body_like eval
["500", "", "ok", "500", "ok"]
--- error_log
fails while it could wait

=== TEST 34: ngx.exec while a thread still reads the body: no crash, the new location's read ends with what nginx has
--- config
    location = /t {
        content_by_lua_block {
            ngx.thread.spawn(function() ngx.req.read_body() end)
            ngx.sleep(0.05)
            ngx.exec("/target")
        }
    }
    location = /target {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say("target: ", ngx.req.get_body_data())
        }
    }
--- request
POST /t
0123456789
--- body_pause: 0.3
--- response_body
target: 01234

=== TEST 35: ngx.flush(true) that waits in the first run of rewrite keeps its write events
--- no_forced_eagain: 4 MiB of output at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 27 of output.t flushes under it
--- config
    location = /t {
        rewrite_by_lua_block {
            local s = string.rep("x", 1024 * 1024)
            for i = 1, 4 do ngx.print(s) assert(ngx.flush(true)) end
            ngx.exit(200)
        }
    }
--- request
GET /t
--- timeout: 10
--- response_body eval
"x" x (4 * 1024 * 1024)

=== TEST 36: a wait on threads whose yield failed leaves no link: later waits are not cut short
--- config
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.05) return "A" end)
            ngx.say(pcall(string.gsub, "x", "x", function() ngx.thread.wait(t) end))
            local started = ngx.now()
            ngx.sleep(0.2)
            ngx.update_time()
            ngx.say("slept in full: ", ngx.now() - started >= 0.19)
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
falseattempt to yield across C-call boundary
slept in full: true
trueA

=== TEST 37: a killed thread, or one gone with its run, cannot be resumed
--- config
    location = /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.05) ngx.log(ngx.ERR, "killed thread ran") end)
            ngx.thread.kill(t)
            ngx.say(coroutine.resume(t))
            ngx.ctx.kept = ngx.thread.spawn(function() ngx.sleep(1) end)
            ngx.exit(200)
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "resume kept: ", select(2, coroutine.resume(ngx.ctx.kept)))
        }
    }
--- request
GET /t
--- response_body
falsecannot resume dead coroutine
--- error_log
resume kept: cannot resume dead coroutine
--- no_error_log
killed thread ran

=== TEST 38: an entry thread abandoned while its coroutine waited is reused clean
--- config
    location = /exit {
        content_by_lua_block {
            ngx.thread.spawn(function() ngx.sleep(0.01) ngx.exit(204) end)
            local co = coroutine.create(function() ngx.sleep(5) end)
            coroutine.resume(co)
        }
    }
    location = /t {
        content_by_lua_block {
            ngx.say(coroutine.status(coroutine.running()))
        }
    }
--- request eval
["GET /exit", "GET /t", "GET /t"]
--- error_code eval
[204, 200, 200]
--- response_body eval
["", "running\n", "running\n"]
