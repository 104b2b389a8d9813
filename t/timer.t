# ngx.timer.at, every, running_count, pending_count, lua_max_pending_timers,
# lua_max_running_timers.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: a timer runs its callback later, with its arguments, without a request
--- http_config
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            local ok, err = ngx.timer.at(0.01, function(premature, a, b, c)
                results:set("args", tostring(premature) .. " " .. a .. " " .. tostring(b) .. " " .. c)
                results:set("phase", ngx.get_phase())
                results:set("say", select(2, pcall(ngx.say, "x")))
                ngx.sleep(0.01)
                results:set("slept", true)
            end, "a", nil, 3)
            ngx.say(ok, " ", err, " pending ", ngx.timer.pending_count(), " running ", ngx.timer.running_count())
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("slept") or ngx.now() > deadline
            ngx.sleep(0.01)  -- the thread ends after its last line
            ngx.say(results:get("args"))
            ngx.say(results:get("phase"), " ", results:get("slept"))
            ngx.say(results:get("say"))
            ngx.say("pending ", ngx.timer.pending_count(), " running ", ngx.timer.running_count())
        }
    }
--- request
GET /t
--- response_body
1 nil pending 1 running 0
false a nil 3
timer true
API disabled in the context of ngx.timer
pending 0 running 0

=== TEST 2: every runs again and again; a 0 delay runs on the next loop iteration
--- http_config
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            results:set("ticks", 0)
            assert(ngx.timer.every(0.01, function() results:incr("ticks", 1) end))
            local order = {}
            assert(ngx.timer.at(0, function() order[#order + 1] = "timer" end))
            order[#order + 1] = "handler"
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("ticks") >= 4 or ngx.now() > deadline
            ngx.say(table.concat(order, " "))
            ngx.say(results:get("ticks") >= 4)
        }
    }
--- request
GET /t
--- response_body
handler timer
true

=== TEST 3: errors in a callback are logged; the timers of an every go on
--- http_config
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            results:set("runs", 0)
            ngx.timer.every(0.01, function()
                results:incr("runs", 1)
                error("boom in timer")
            end)
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("runs") >= 3 or ngx.now() > deadline
            ngx.say(results:get("runs") >= 3)
        }
    }
--- request
GET /t
--- response_body
true
--- error_log eval
qr/\[error\] .*lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):\d+: boom in timer\nstack traceback:\n.*, context: ngx\.timer/s

=== TEST 4: pending timers fire prematurely when the worker shuts down
--- config
    location = /t {
        content_by_lua_block {
            ngx.timer.at(100, function(premature, what)
                ngx.log(ngx.WARN, "timer ran: premature ", premature, " ", what, " exiting ", ngx.worker.exiting())
                local ok, err = ngx.timer.at(1, function() end)
                ngx.log(ngx.WARN, "new timer while exiting: ", ok, " ", err)
            end, "at")
            ngx.timer.every(100, function(premature)
                ngx.log(ngx.WARN, "every ran: premature ", premature)
            end)
            ngx.say("pending ", ngx.timer.pending_count())
        }
    }
--- request
GET /t
--- response_body
pending 2
--- error_log
timer ran: premature true at exiting true
new timer while exiting: nil process exiting
every ran: premature true
--- no_repeat: the timers of the first run change the answer

=== TEST 5: argument checks, lua_max_pending_timers, and where timers may be made
--- http_config
    lua_max_pending_timers 2;
    init_by_lua_block {
        local ok, err = pcall(ngx.timer.at, 1, function() end)
        init_error = err
    }
--- config
    location = /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.timer.at, ...)
                ngx.say(err)
            end
            try(1)
            try("x", function() end)
            try(-1, function() end)
            try(0 / 0, function() end)
            try(math.huge, function() end)
            try(1e17, function() end)
            try(1, "f")
            ngx.say(pcall(ngx.timer.every, 0, function() end))
            ngx.say(ngx.timer.at(10, function() end))
            ngx.say(ngx.timer.at(10, function() end))
            ngx.say(ngx.timer.at(10, function() end))
            ngx.say(init_error)
        }
    }
--- request
GET /t
--- response_body
expecting at least 2 arguments but got 1
bad argument #1 to 'at' (number expected, got string)
bad argument #1 to 'at' (delay must not be negative)
bad argument #1 to 'at' (delay must be a finite number)
bad argument #1 to 'at' (delay must be a finite number)
bad argument #1 to 'at' (delay too large)
bad argument #2 to 'at' (Lua function expected)
falsedelay cannot be zero
1
1
niltoo many pending timers
no request
--- no_repeat: the timers of the first run change the answer

=== TEST 6: timers made in init_worker_by_lua, and lua_max_running_timers
--- http_config
    lua_shared_dict results 1m;
    lua_max_running_timers 1;
    init_worker_by_lua_block {
        local results = ngx.shared.results
        ngx.timer.at(0, function()
            -- due while this one still runs
            ngx.timer.at(0, function() results:set("second", "ran") end)
            ngx.sleep(0.05)
            results:set("first", "done")
        end)
    }
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("first") or ngx.now() > deadline
            ngx.say(results:get("first"), " ", tostring(results:get("second")))
        }
    }
--- request
GET /t
--- response_body
done nil
--- error_log
lua failed to run timer: 1 lua_max_running_timers are not enough

=== TEST 7: the next run of an every is due from when the previous one started
--- http_config
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            results:set("most", 0)
            ngx.timer.every(0.01, function()
                local running = ngx.timer.running_count()
                if running > results:get("most") then results:set("most", running) end
                ngx.sleep(0.05)
            end)
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until results:get("most") >= 2 or ngx.now() > deadline
            ngx.say(results:get("most") >= 2)
        }
    }
--- request
GET /t
--- response_body
true

=== TEST 8: the timer functions are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local at, pending_count, running_count = ngx.timer.at, ngx.timer.pending_count, ngx.timer.running_count
            local callback = function() end
            local n = 0
            for _ = 1, 300 do
                n = n + at(100, callback) + pending_count() - running_count()
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
45450
--- error_log eval
[main::loop_traces(6)]
--- no_error_log
NYI
--- no_repeat: the timers of the first run change the answer

=== TEST 9: ngx.ctx in a callback: a table per run, kept across sleeps, not the request's
--- http_config
    lua_shared_dict results 1m;
--- config
    location = /t {
        content_by_lua_block {
            local results = ngx.shared.results
            ngx.ctx.owner = "request"
            local function record(premature, name)
                results:set(name .. " before", tostring(ngx.ctx.owner))
                ngx.ctx.owner = name
                ngx.sleep(0.01)
                results:set(name .. " after", ngx.ctx.owner)
            end
            assert(ngx.timer.at(0, record, "first"))
            assert(ngx.timer.at(0, record, "second"))
            local runs = 0
            assert(ngx.timer.every(0.01, function()
                runs = runs + 1
                results:set("every " .. runs, tostring(ngx.ctx.runs))
                ngx.ctx.runs = runs
            end))
            assert(ngx.timer.at(0, function()
                local mine = { set = true }
                ngx.ctx = mine
                results:set("assigned", ngx.ctx == mine and ngx.ctx.set)
                results:set("ctx table", require("resty.core.ctx").get_ctx_table() == mine)
            end))
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until (runs >= 2 and results:get("second after")) or ngx.now() > deadline
            for _, key in ipairs({ "first before", "first after", "second before", "second after",
                                   "every 1", "every 2", "assigned", "ctx table" }) do
                ngx.say(key, ": ", tostring(results:get(key)))
            end
            ngx.say("request: ", ngx.ctx.owner)
        }
    }
--- request
GET /t
--- response_body
first before: nil
first after: first
second before: nil
second after: second
every 1: nil
every 2: nil
assigned: true
ctx table: true
request: request

=== TEST 10: ngx.ctx in a timer run is shared by its coroutines, and let go when the run ends, failed or not
--- config
    location = /t {
        content_by_lua_block {
            local seen = {}
            local kept = setmetatable({}, { __mode = "v" })
            assert(ngx.timer.at(0, function()
                ngx.ctx.x = "outer"
                coroutine.wrap(function()
                    seen[#seen + 1] = "in coroutine: " .. tostring(ngx.ctx.x)
                    ngx.ctx.y = "inner"
                end)()
                seen[#seen + 1] = "after coroutine: " .. tostring(ngx.ctx.y)
                kept.finished = ngx.ctx
            end))
            assert(ngx.timer.at(0, function()
                ngx.ctx.thread = coroutine.running()  -- the table refers to the run's thread
                kept.failed = ngx.ctx
                error("boom")
            end))
            local deadline = ngx.now() + 2
            repeat ngx.sleep(0.01) until (#seen == 2 and ngx.timer.running_count() == 0) or ngx.now() > deadline
            ngx.say(table.concat(seen, ", "))
            collectgarbage()
            collectgarbage()
            ngx.say("finished run's table freed: ", kept.finished == nil)
            ngx.say("failed run's table freed: ", kept.failed == nil)
        }
    }
--- request
GET /t
--- response_body
in coroutine: outer, after coroutine: inner
finished run's table freed: true
failed run's table freed: true
--- error_log
boom



=== TEST 11: a reload runs the pending timers of the old workers with premature = true
--- http_config
    lua_shared_dict seen 1m;
--- config
    location = /t {
        content_by_lua_block {
            -- what the old worker's timer saw, before this request came to a new one
            ngx.say(tostring(ngx.shared.seen:get("premature")))
            assert(ngx.timer.at(100, function(premature)
                ngx.shared.seen:set("premature", premature)
            end))
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- reload_between
--- response_body eval
["nil\n", "true\n", "true\n"]
