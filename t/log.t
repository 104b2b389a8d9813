# ngx.log, print and the log level constants.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: messages carry OpenResty's origin prefix
--- config
    location = /t {
        content_by_lua_block {
            ngx.log(ngx.ERR, "hello ", 42, " ", nil, " ", true, " ", ngx.null)
            local function helper()
                ngx.log(ngx.WARN, "from a named function")
            end
            helper()
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
[qr/\[error\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):2: hello 42 nil true null, client: 127\.0\.0\.1, server: localhost, request: "GET \/t HTTP\/1\.1"/,
 qr/\[warn\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):4: helper\(\): from a named function/]

=== TEST 2: print logs at notice level
--- config
    location = /t {
        content_by_lua_block { print("printed ", 1, " ", false) ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[notice\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):1: printed 1 false/

=== TEST 3: every level constant maps to nginx's level
--- log_level: debug
--- config
    location = /t {
        content_by_lua_block {
            -- emerg and alert lines would fail any block (the harness's crash check)
            for _, name in ipairs({"CRIT", "ERR", "WARN", "NOTICE", "INFO", "DEBUG"}) do
                ngx.log(ngx[name], "level ", name)
            end
            ngx.say(ngx.STDERR, ngx.EMERG, ngx.ALERT, ngx.CRIT, ngx.ERR, ngx.WARN, ngx.NOTICE, ngx.INFO, ngx.DEBUG)
        }
    }
--- request
GET /t
--- response_body
012345678
--- error_log eval
[map { qr/\[$_->[0]\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):4: level $_->[1](?:,|$)/m }
    (["crit", "CRIT"], ["error", "ERR"], ["warn", "WARN"],
     ["notice", "NOTICE"], ["info", "INFO"], ["debug", "DEBUG"])]

=== TEST 4: levels above the error_log level are dropped
--- log_level: warn
--- config
    location = /t {
        content_by_lua_block {
            ngx.log(ngx.INFO, "info dropped")
            ngx.log(ngx.WARN, "warn kept")
            print("notice dropped")
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
warn kept
--- no_error_log
info dropped
notice dropped

=== TEST 5: tables with __tostring are logged, others refused
--- config
    location = /t {
        content_by_lua_block {
            local obj = setmetatable({}, { __tostring = function() return "custom object" end })
            ngx.log(ngx.WARN, "obj: ", obj)
            local ok, err = pcall(ngx.log, ngx.WARN, "x", {})
            ngx.say(err)
            ok, err = pcall(print, print)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
bad argument #2 to 'log' (string, number, boolean, or nil expected, got table)
bad argument #1 to 'print' (string, number, boolean, or nil expected, got function)
--- error_log
obj: custom object

=== TEST 6: bad levels
--- config
    location = /t {
        content_by_lua_block {
            for _, level in ipairs({ -1, 9, 1.5 }) do
                local ok, err = pcall(ngx.log, level, "x")
                ngx.say(err)
            end
            local ok, err = pcall(ngx.log, "warn", "x")
            ngx.say(err)
            ok, err = pcall(ngx.log)
            ngx.say(err)
            ok = pcall(ngx.log, "5", "numeric string level")
            ngx.say(ok)
        }
    }
--- request
GET /t
--- response_body
bad log level: -1
bad log level: 9
bad log level: 1.5
bad argument #1 to 'log' (number expected, got string)
bad argument #1 to 'log' (number expected, got nil)
true
--- error_log
numeric string level

=== TEST 7: logging without a request goes to the global log
--- http_config
    init_worker_by_lua_block { ngx.log(ngx.WARN, "from init_worker") }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
qr/\[warn\] \d+#\d+: \[lua\] init_worker_by_lua\(nginx\.conf:\d+\):1: from init_worker, context: init_worker_by_lua\*$/m

=== TEST 8: messages from a Lua file use the file's base name
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
--- user_files
>>> mylog.lua
local _M = {}
function _M.go()
    ngx.log(ngx.WARN, "in module")
end
return _M
--- config
    location = /t {
        content_by_lua_block { require("mylog").go() ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[lua\] mylog\.lua:3: go\(\): in module/

=== TEST 9: a filtered ngx.log is JIT-compiled, also called from code LuaJIT never compiles
--- log_level: warn
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local log, DEBUG, INFO = ngx.log, ngx.DEBUG, ngx.INFO
            for i = 1, 300 do
                log(DEBUG, "hidden ", i)
            end
            -- A vararg function (a handler that uses the chunk's ...) is never compiled.
            local function handler(...)
                for i = 1, 200 do
                    log(INFO, "hidden too")
                end
            end
            jit.off(handler)
            handler()
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done
--- error_log eval
my $line = lua_function_line("resty/core/log.lua", "enabled");
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):4 loop\]/,
 qr/\[TRACE\s+\d+ log\.lua:$line return\]/]
--- no_error_log
NYI
hidden
