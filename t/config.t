# ngx.config and ngx.worker.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: ngx.config facts
--- config
    location = /t {
        content_by_lua_block {
            local c = ngx.config
            ngx.say(c.subsystem, " ", c.ngx_lua_version, " ", c.nginx_version, " ", tostring(c.debug))
            ngx.say(c.prefix() == "$TEST_NGINX_PREFIX/")
            ngx.say(c.nginx_configure():find("--with-compat", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- response_body
http 10028 1022001 true
true
true

=== TEST 2: ngx.config works in init_by_lua
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init prefix ok: ", ngx.config.prefix() == "$TEST_NGINX_PREFIX/",
                " version: ", ngx.config.nginx_version)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log
init prefix ok: true version: 1022001

=== TEST 3: ngx.worker in a worker
--- workers: 2
--- config
    location = /t {
        content_by_lua_block {
            local w = ngx.worker
            local id = w.id()
            ngx.say(w.count(), " ", id == 0 or id == 1, " ", w.pid() > 1, " ", tostring(w.exiting()))
        }
    }
--- request
GET /t
--- response_body
2 true true false

=== TEST 4: ngx.worker.pid is the worker's, not the master's
--- config
    location = /t {
        content_by_lua_block {
            local f = io.open("$TEST_NGINX_PREFIX/logs/nginx.pid")
            local master = tonumber(f:read("*l"))
            f:close()
            ngx.say(ngx.worker.pid() ~= master)
        }
    }
--- request
GET /t
--- response_body
true

=== TEST 5: ngx.worker in init_by_lua and init_worker_by_lua
--- workers: 3
--- main_config
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: id=", ngx.worker.id(), " count=", ngx.worker.count())
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: id is a number: ", type(ngx.worker.id()) == "number",
                " count=", ngx.worker.count())
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log
init: id=nil count=3
init_worker: id is a number: true count=3

=== TEST 6: ngx.worker.exiting is true while the worker shuts down
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("ok")
            ngx.flush(true)
            ngx.sleep(0.5)
            ngx.log(ngx.WARN, "exiting after sleep: ", ngx.worker.exiting())
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- error_log
exiting after sleep: true

=== TEST 7: ngx.config and ngx.worker calls are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local config, worker = ngx.config, ngx.worker
            local n = 0
            for i = 1, 300 do
                n = n + #config.prefix() * 0 + (type(config.debug) == "boolean" and 1 or 0)
            end
            for i = 1, 300 do
                n = n + worker.id() + worker.count() + (worker.exiting() and 0 or 1)
                    + worker.pid() * 0
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
900
--- error_log eval
[loop_traces(5, 8)]
--- no_error_log
NYI

=== TEST 8: os.getenv in init_by_lua sees the values of env directives (read from the configuration, as lua-resty-core does); in a worker the system's os.getenv is back
--- main_config
env NLF_TEST_VAR=from_conf;
env NLF_TEST_EMPTY=;
env PATH;
--- http_config
    init_by_lua_block {
        init_seen = {
            tostring(os.getenv("NLF_TEST_VAR")), "[" .. tostring(os.getenv("NLF_TEST_EMPTY")) .. "]",
            tostring(os.getenv("NLF_TEST_VA")), tostring(os.getenv("NLF_TEST_VARX")),
            tostring(os.getenv("PATH") ~= nil),
        }
        init_getenv = os.getenv
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(table.concat(init_seen, " "))
            ngx.say(os.getenv("NLF_TEST_VAR"), " ", debug.getinfo(os.getenv, "S").what,
                    " ", init_getenv("NLF_TEST_VAR"), " ", debug.getinfo(init_getenv, "S").what)
        }
    }
--- request
GET /t
--- response_body
from_conf [] nil nil true
from_conf C from_conf Lua
