# ngx.get_phase in every phase that runs Lua.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: every phase reports its name
--- http_config
    init_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
    init_worker_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
--- config
    location = /t {
        rewrite_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
        access_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
        content_by_lua_block { ngx.say(ngx.get_phase()) }
        log_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
    }
--- request
GET /t
--- response_body
content
--- grep_error_log eval
qr/(?<=\):1: )phase: \w+/
--- grep_error_log_out
phase: init
phase: init_worker
phase: rewrite
phase: access
phase: log

=== TEST 2: the phase after a wait is still the same phase
--- config
    location = /t {
        access_by_lua_block { ngx.sleep(0.001) ngx.log(ngx.WARN, "after sleep: ", ngx.get_phase()) }
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log
after sleep: access

=== TEST 3: ngx.get_phase is JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local get_phase = ngx.get_phase
            local n = 0
            for i = 1, 500 do
                if get_phase() == "content" then n = n + 1 end
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
500
--- error_log eval
qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/
--- no_error_log
NYI

=== TEST 4: ngx.get_raw_phase(r) gives the context bit of a request, the process's without one; JIT-compiled
--- http_config
    init_worker_by_lua_block { worker_phase = ngx.get_raw_phase(nil) }
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local get_raw_phase = ngx.get_raw_phase
            local r = require("resty.core.base").get_request()
            local sum = 0
            for i = 1, 500 do
                sum = sum + get_raw_phase(r)
            end
            ngx.say(worker_phase, " ", sum / 500)
        }
    }
--- request
GET /t
--- response_body
256 8
--- error_log eval
[main::loop_traces(6)]
--- no_error_log
NYI
