# coroutine.* inside handlers, interleaved with the scheduler's waits.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: plain coroutines work as in Lua
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.create(function(a, b)
                local c = coroutine.yield(a + b)
                local d, e = coroutine.yield(c * 2)
                return d + e, "end"
            end)
            ngx.say(coroutine.resume(co, 1, 2))
            ngx.say(coroutine.resume(co, 10))
            ngx.say(coroutine.resume(co, 3, 4))
            ngx.say(coroutine.status(co))
            ngx.say(coroutine.resume(co))
        }
    }
--- request
GET /t
--- response_body
true3
true20
true7end
dead
falsecannot resume dead coroutine

=== TEST 2: a sleep inside a coroutine keeps its yields and resumes intact
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.create(function()
                for i = 1, 3 do
                    ngx.sleep(0.001)
                    coroutine.yield(i)
                end
                return "finished"
            end)
            for i = 1, 4 do
                local ok, v = coroutine.resume(co)
                ngx.say(ok, " ", v, " ", ngx.get_phase())
            end
        }
    }
--- request
GET /t
--- response_body
true 1 content
true 2 content
true 3 content
true finished content

=== TEST 3: nested coroutines pass the wait up through every level
--- config
    location = /t {
        content_by_lua_block {
            local inner = coroutine.wrap(function()
                ngx.sleep(0.001)
                coroutine.yield("inner 1")
                ngx.sleep(0.001)
                return "inner 2"
            end)
            local outer = coroutine.wrap(function()
                local a = inner()
                ngx.sleep(0.001)
                coroutine.yield(a)
                return inner()
            end)
            ngx.say(outer())
            ngx.say(outer())
        }
    }
--- request
GET /t
--- response_body
inner 1
inner 2

=== TEST 4: errors inside coroutines are returned by resume and raised by wrap
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.create(function()
                ngx.sleep(0.001)
                error("boom", 0)
            end)
            ngx.say(coroutine.resume(co))
            local f = coroutine.wrap(function() ngx.sleep(0.001) error("wrapped boom", 0) end)
            ngx.say(pcall(f))
        }
    }
--- request
GET /t
--- response_body
falseboom
falsewrapped boom

=== TEST 5: a bare yield of the handler itself gives the event loop a turn
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("before")
            coroutine.yield()
            ngx.say("after ", coroutine.running() ~= nil)
        }
    }
--- request
GET /t
--- response_body
before
after true

=== TEST 6: a bare yield in log_by_lua is an error, logged
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block { coroutine.yield() }
    }
--- request
GET /t
--- response_body
ok
--- error_log
failed to run log_by_lua*: attempt to yield in log_by_lua*

=== TEST 7: coroutines in init_by_lua work without the scheduler
--- http_config
    init_by_lua_block {
        local co = coroutine.wrap(function() coroutine.yield(1) return 2 end)
        ngx.log(ngx.WARN, "init coroutine: ", co(), " ", co())
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log
init coroutine: 1 2

=== TEST 8: the request is visible inside coroutines the handler creates
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.wrap(function()
                ngx.status = 202
                ngx.say("phase in coroutine: ", ngx.get_phase())
            end)
            co()
        }
    }
--- request
GET /t
--- error_code: 202
--- response_body
phase in coroutine: content

=== TEST 9: coroutine._yield is the raw yield
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.create(function() coroutine._yield("raw") end)
            ngx.say(coroutine.resume(co))
        }
    }
--- request
GET /t
--- response_body
trueraw

=== TEST 10: a coroutine kept from another request cannot be resumed there
--- config
    location = /make {
        content_by_lua_block {
            kept = coroutine.create(function() ngx.say("ran in ", ngx.get_phase()) end)
            kept_wrapped = coroutine.wrap(function() ngx.say("wrapped ran") end)
            ngx.say("made")
        }
    }
    location = /use {
        content_by_lua_block {
            ngx.say(coroutine.resume(kept))
            ngx.say(pcall(kept_wrapped))
        }
    }
--- request eval
["GET /make", "GET /use"]
--- response_body_like eval
["made", "^falsecannot resume a coroutine that belongs to another request\nfalsecannot resume a coroutine that belongs to another request\n\$"]

=== TEST 11: a coroutine made in init_by_lua joins the request that resumes it
--- http_config
    init_by_lua_block {
        from_init = coroutine.wrap(function()
            while true do
                ngx.sleep(0.001)
                coroutine.yield(ngx.get_phase())
            end
        end)
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say(from_init()) }
    }
--- request
GET /t
--- response_body
content
--- no_repeat: the coroutine made at startup runs once

=== TEST 12: errors raised through coroutine.wrap carry the caller's position
--- config
    location = /t {
        content_by_lua_block {
            local f = coroutine.wrap(function() error("inner failure", 0) end)
            local ok, err = pcall(function()
                f()
            end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):4: inner failure$
