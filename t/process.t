# The ngx.process module and ngx.worker.pids.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: process type in each phase
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: ", require("ngx.process").type())
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: ", require("ngx.process").type())
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say(require("ngx.process").type()) }
        log_by_lua_block { ngx.log(ngx.WARN, "log: ", require("ngx.process").type()) }
    }
--- request
GET /t
--- response_body
worker
--- error_log
init: master
init_worker: worker
log: worker

=== TEST 2: process type without a master process
--- master_process: off
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: ", require("ngx.process").type())
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say(require("ngx.process").type()) }
    }
--- request
GET /t
--- response_body
single
--- error_log
init: single

=== TEST 3: the master's pid
--- http_config
    init_by_lua_block {
        master_pid_in_init = require("ngx.process").get_master_pid() == ngx.worker.pid()
    }
--- config
    location = /t {
        content_by_lua_block {
            local process = require "ngx.process"
            local f = assert(io.open(ngx.config.prefix() .. "logs/nginx.pid"))
            local pid = tonumber(f:read("*l"))
            f:close()
            ngx.say(process.get_master_pid() == pid, " ", pid ~= ngx.worker.pid(), " ", master_pid_in_init)
        }
    }
--- request
GET /t
--- response_body
true true true

=== TEST 4: signal_graceful_exit ends the worker after its request, the master starts another
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("old ", ngx.worker.pid())
            require("ngx.process").signal_graceful_exit()
        }
    }
    location = /pid {
        content_by_lua_block { ngx.say("new ", ngx.worker.pid()) }
    }
--- request eval
["GET /t", "GET /pid"]
--- response_body_like eval
[qr/^old \d+$/m, qr/^new \d+$/m]
--- error_log eval
[qr/start worker process \d+\n.*start worker process \d+/s, "gracefully shutting down"]
--- no_repeat: the worker exits after its first request

=== TEST 5: the privileged agent is not available on stock nginx
--- http_config
    init_by_lua_block {
        local process = require "ngx.process"
        local ok, err = process.enable_privileged_agent()
        ngx.log(ngx.WARN, "agent: ", ok, " ", err)
        ok, err = process.enable_privileged_agent(-1)
        ngx.log(ngx.WARN, "agent(-1): ", ok, " ", err)
        ok, err = process.enable_privileged_agent("x")
        ngx.log(ngx.WARN, "agent(x): ", ok, " ", err)
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(require("ngx.process").enable_privileged_agent(100))
        }
    }
--- request
GET /t
--- response_body
nilAPI disabled in the current context
--- error_log
agent: nil privileged agent process is not supported on stock nginx
agent(-1): nil bad 'connections' argument: number expected and greater than 0
agent(x): nil bad 'connections' argument: number expected and greater than 0

=== TEST 6: ngx.worker.pids lists every worker, in every worker
--- workers: 2
--- config
    location = /t {
        content_by_lua_block {
            -- The other worker may still be starting when the first request comes.
            local pids = ngx.worker.pids()
            for _ = 1, 500 do
                if #pids == ngx.worker.count() then break end
                ngx.sleep(0.01)
                pids = ngx.worker.pids()
            end
            local mine = false
            for _, pid in ipairs(pids) do
                if pid == ngx.worker.pid() then mine = true end
            end
            ngx.say(#pids, " ", ngx.worker.count(), " ", mine, " ", pids[1] ~= pids[2])
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log pids: ", #ngx.worker.pids())
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- response_body eval
["2 2 true true\n", "2 2 true true\n", "2 2 true true\n", "2 2 true true\n"]
--- error_log
log pids: 2

=== TEST 7: ngx.worker.pids is refused where OpenResty refuses it
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: ", select(2, ngx.worker.pids()))
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: ", select(2, ngx.worker.pids()))
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say(#ngx.worker.pids()) }
    }
--- request
GET /t
--- response_body
1
--- error_log
init: API disabled in the current context
init_worker: API disabled in the current context

=== TEST 8: ngx.worker.pids without a master process
--- master_process: off
--- config
    location = /t {
        content_by_lua_block {
            local pids = ngx.worker.pids()
            ngx.say(#pids, " ", pids[1] == ngx.worker.pid())
        }
    }
--- request
GET /t
--- response_body
1 true

=== TEST 9: the process functions are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local process = require "ngx.process"
            local pids = ngx.worker.pids
            local n = 0
            for i = 1, 300 do
                if process.type() == "worker" then n = n + 1 end
                n = n + #pids() + process.get_master_pid() * 0
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
600
--- error_log eval
qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):6 loop\]/
--- no_error_log
NYI



=== TEST 10: a reload starts new workers, which run init_worker_by_lua again
--- http_config
    init_worker_by_lua_block { ngx.log(ngx.WARN, "init_worker ran in ", ngx.worker.id()) }
--- config
    location = /t {
        content_by_lua_block {
            -- the pid of the worker before, kept in a file across the reload
            local path = ngx.config.prefix() .. "html/pid"
            local f = io.open(path, "rb")
            local before = f and f:read("*a")
            if f then f:close() end
            f = assert(io.open(path, "wb"))
            f:write(ngx.worker.pid())
            f:close()
            ngx.say(before == nil and "first" or (before ~= tostring(ngx.worker.pid()) and "new worker" or "same worker"))
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- reload_between
--- response_body eval
["first\n", "new worker\n", "new worker\n"]
--- grep_error_log eval: qr/init_worker ran in \d+/
--- grep_error_log_out
init_worker ran in 0
init_worker ran in 0
init_worker ran in 0



=== TEST 11: a binary upgrade (USR2, then QUIT to the old master): the new binary's workers serve
nginx starts the new binary with only the variables `env` names: the sanitizer run
needs its settings kept (unset otherwise).
--- main_config
    env LD_PRELOAD;
    env ASAN_OPTIONS;
    env UBSAN_OPTIONS;
--- http_config
    init_worker_by_lua_block { ngx.log(ngx.WARN, "init_worker ran in ", ngx.worker.id()) }
--- config
    location = /t {
        content_by_lua_block {
            local path = ngx.config.prefix() .. "html/pid"
            local f = io.open(path, "rb")
            local before = f and f:read("*a")
            if f then f:close() end
            f = assert(io.open(path, "wb"))
            f:write(ngx.worker.pid())
            f:close()
            ngx.say(before == nil and "first" or (before ~= tostring(ngx.worker.pid()) and "new worker" or "same worker"))
        }
    }
--- request eval
["GET /t", "GET /t"]
--- reload_between: upgrade
--- response_body eval
["first\n", "new worker\n"]
--- error_log
changing binary
--- grep_error_log eval: qr/init_worker ran in \d+/
--- grep_error_log_out
init_worker ran in 0
init_worker ran in 0
