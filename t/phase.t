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
