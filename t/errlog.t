# The ngx.errlog module: raw_log, get_sys_filter_level; get_logs and set_filter_level
# without lua_capture_error_log.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: raw_log writes the message as it is, at its level, with or without a request
--- http_config
    init_worker_by_lua_block {
        require("ngx.errlog").raw_log(ngx.WARN, "raw from init_worker")
    }
--- config
    location = /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            errlog.raw_log(ngx.ERR, "raw at error")
            errlog.raw_log(ngx.DEBUG, "raw at debug, filtered")
            assert(ngx.timer.at(0, function() errlog.raw_log(ngx.WARN, "raw from a timer") end))
            ngx.sleep(0.01)
            ngx.say(errlog.get_sys_filter_level() == ngx.NOTICE)
        }
        log_by_lua_block { require("ngx.errlog").raw_log(ngx.NOTICE, "raw in the log phase") }
    }
--- log_level: notice
--- request
GET /t
--- response_body
true
--- error_log eval
[qr/\[error\] \d+#\d+: \*\d+ raw at error, client: /,
 qr/\[warn\] \d+#\d+: raw from init_worker$/m,
 qr/\[warn\] \d+#\d+: raw from a timer$/m,
 qr/\[notice\] \d+#\d+: \*\d+ raw in the log phase while logging request, client: /]
--- no_error_log
raw at debug
[lua]

=== TEST 2: the system filter level follows error_log; debug is reported as ngx.DEBUG
--- log_level: debug
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(require("ngx.errlog").get_sys_filter_level() == ngx.DEBUG)
        }
    }
    location = /error {
        error_log logs/error.log error;
        content_by_lua_block {
            ngx.say(require("ngx.errlog").get_sys_filter_level() == ngx.ERR)
        }
    }
--- request eval
["GET /t", "GET /error"]
--- response_body eval
["true\n", "true\n"]

=== TEST 3: argument checks; get_logs and set_filter_level need lua_capture_error_log
--- config
    location = /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            local function try(...)
                ngx.say(select(2, pcall(errlog.raw_log, ...)))
            end
            try("warn", "x")
            try(ngx.WARN, 42)
            try(9, "x")
            try(-1, "x")
            ngx.say(errlog.set_filter_level())
            ngx.say(errlog.set_filter_level(ngx.WARN))
            ngx.say(errlog.get_logs(10))
        }
    }
--- request
GET /t
--- response_body
bad argument #1 to 'raw_log' (must be a number)
bad argument #2 to 'raw_log' (must be a string)
bad log level
bad log level
nilmissing "level" argument
nildirective "lua_capture_error_log" is not set
nildirective "lua_capture_error_log" is not set

=== TEST 4: raw_log and get_sys_filter_level are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local errlog = require "ngx.errlog"
            local raw_log, get_sys_filter_level = errlog.raw_log, errlog.get_sys_filter_level
            local n = 0
            for _ = 1, 300 do
                raw_log(ngx.DEBUG, "filtered")
                n = n + get_sys_filter_level()
            end
            ngx.say(n)
        }
    }
--- log_level: warn
--- request
GET /t
--- response_body
1500
--- error_log eval
[main::loop_traces(6)]
--- no_error_log
NYI
