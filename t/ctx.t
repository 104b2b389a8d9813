# ngx.ctx: one table per request, shared by its phases.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: one table through rewrite, access, content and log
--- config
    location = /t {
        rewrite_by_lua_block { ngx.ctx.trace = { "rewrite" } }
        access_by_lua_block { table.insert(ngx.ctx.trace, "access") }
        content_by_lua_block {
            table.insert(ngx.ctx.trace, "content")
            ngx.say(table.concat(ngx.ctx.trace, ","))
        }
        log_by_lua_block {
            table.insert(ngx.ctx.trace, "log")
            ngx.log(ngx.WARN, "trace: ", table.concat(ngx.ctx.trace, ","))
        }
    }
--- request
GET /t
--- response_body
rewrite,access,content
--- error_log
trace: rewrite,access,content,log

=== TEST 2: requests do not share their tables
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.ctx.seen))
            ngx.ctx.seen = true
        }
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["nil\n", "nil\n"]

=== TEST 3: ngx.ctx = t replaces the table for the later phases
--- config
    location = /t {
        rewrite_by_lua_block {
            ngx.ctx.old = true
            ngx.ctx = { mine = "yes" }
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.mine, " ", tostring(ngx.ctx.old))
            local t = { other = 1 }
            ngx.ctx = t
            ngx.say(ngx.ctx == t)
        }
    }
--- request
GET /t
--- response_body
yes nil
true

=== TEST 4: assigning before the first read
--- config
    location = /t {
        content_by_lua_block {
            ngx.ctx = { first = 1 }
            ngx.say(ngx.ctx.first)
        }
    }
--- request
GET /t
--- response_body
1

=== TEST 5: only a table can be ngx.ctx
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.ctx = "string" end)
            ngx.say(err)
            ok, err = pcall(function() ngx.ctx = nil end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: ctx should be a table while getting a string
content_by_lua\(nginx\.conf:\d+\):4: ctx should be a table while getting a nil$

=== TEST 6: an internal redirect starts a new ngx.ctx
--- config
    location = /t {
        access_by_lua_block { ngx.ctx.before = "set" }
        try_files /no-such-file @next;
    }
    location @next {
        content_by_lua_block { ngx.say("after redirect: ", tostring(ngx.ctx.before)) }
    }
--- request
GET /t
--- response_body
after redirect: nil

=== TEST 7: get_ctx_table(t) makes t the request's table when it has none
--- config
    location = /t {
        content_by_lua_block {
            local get_ctx_table = require("resty.core.ctx").get_ctx_table
            local mine = { preset = 1 }
            ngx.say(get_ctx_table(mine) == mine, " ", ngx.ctx.preset)
            ngx.say(get_ctx_table({ other = 1 }) == mine, " ", get_ctx_table() == mine)
        }
    }
--- request
GET /t
--- response_body
true 1
true true

=== TEST 8: a request's table is released with it: its slot is reused
--- config
    location = /t {
        content_by_lua_block {
            ngx.ctx.x = 1
            local tables = debug.getregistry().ngx_lua_ctx_tables
            local n = 0
            for k, v in pairs(tables) do
                if type(k) == "number" and k > 0 and type(v) == "table" then n = n + 1 end
            end
            ngx.say(n)
        }
        log_by_lua_block { ngx.ctx.y = 2 }
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- response_body eval
["1\n", "1\n", "1\n", "1\n"]

=== TEST 9: refused without a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(function() return ngx.ctx end)
        ngx.log(ngx.WARN, "init get: ", err)
        ok, err = pcall(function() ngx.ctx = {} end)
        ngx.log(ngx.WARN, "init set: ", err)
        ok, err = pcall(function() local t = require("resty.core.ctx").get_ctx_table() return t end)
        ngx.log(ngx.WARN, "init get_ctx_table: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/init get: init_by_lua\(nginx\.conf:\d+\):2: no request found/,
 qr/init set: init_by_lua\(nginx\.conf:\d+\):4: no request found/,
 qr/init get_ctx_table: init_by_lua\(nginx\.conf:\d+\):6: no request found/]

=== TEST 11: init_worker_by_lua and exit_worker_by_lua have a table of their own, freed after the run
--- http_config
    init_worker_by_lua_block {
        ngx.ctx.hook = "init_worker"
        local mine = { hook = "assigned" }
        local before = ngx.ctx.hook
        ngx.ctx = mine
        init_worker_result = before .. " " .. ngx.ctx.hook .. " "
                             .. tostring(require("resty.core.ctx").get_ctx_table() == mine)
        ngx.timer.at(0, function() timer_saw = tostring(ngx.ctx.hook) end)
        init_worker_ctx = setmetatable({ ngx.ctx }, { __mode = "v" })
    }
    exit_worker_by_lua_block {
        ngx.ctx.hook = "exit_worker"
        ngx.log(ngx.WARN, "exit_worker ctx: ", ngx.ctx.hook)
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.sleep(0.05)
            ngx.say(init_worker_result)
            ngx.say("timer: ", timer_saw)
            ngx.say("request: ", tostring(ngx.ctx.hook))
            collectgarbage()
            collectgarbage()
            ngx.say("init_worker's table freed: ", init_worker_ctx[1] == nil)
        }
    }
--- request
GET /t
--- response_body
init_worker assigned true
timer: nil
request: nil
init_worker's table freed: true
--- error_log
exit_worker ctx: exit_worker

=== TEST 10: reads and writes are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local n = 0
            for i = 1, 300 do
                ngx.ctx.count = i
            end
            for i = 1, 300 do
                n = n + ngx.ctx.count
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
90000
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):4 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):7 loop\]/]
--- no_error_log
NYI
