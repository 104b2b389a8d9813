# The ngx.errlog module: raw_log, get_sys_filter_level, and lua_capture_error_log's
# get_logs and set_filter_level.
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
 qr/\[warn\] \d+#\d+: raw from init_worker, context: init_worker_by_lua\*$/m,
 qr/\[warn\] \d+#\d+: raw from a timer, context: ngx\.timer$/m,
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

=== TEST 5: lua_capture_error_log keeps the lines that pass the error_log and filter levels
--- log_level: info
--- http_config
    lua_capture_error_log 100k;
    init_by_lua_block {
        filter_result = { require("ngx.errlog").set_filter_level(ngx.WARN) }
    }
--- config
    location = /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.say("set_filter_level: ", filter_result[1], " ", tostring(filter_result[2]))
            ngx.log(ngx.INFO, "test1")
            ngx.log(ngx.WARN, "test2")
            ngx.log(ngx.ERR, "test3")
            local logs = assert(errlog.get_logs(100))
            for i = 1, #logs, 3 do
                if logs[i + 2]:find("test", 1, true) then
                    ngx.say(logs[i], " ", type(logs[i + 1]), " ", math.abs(logs[i + 1] - ngx.now()) < 5, " ",
                            logs[i + 2]:match("%[%a+%] .*: (test%d), client: 127%.0%.0%.1"))
                end
                assert(logs[i] <= ngx.WARN, "a line below the filter level")
            end
            ngx.say(#assert(errlog.get_logs()), " left")
        }
    }
--- request
GET /t
--- response_body
set_filter_level: true nil
5 number true test2
4 number true test3
0 left
--- error_log
test3

=== TEST 6: lines of a location with an error_log of its own; a few at a time; the oldest go first when the buffer is full
--- http_config
    lua_capture_error_log 4k;
--- config
    location = /t {
        error_log logs/own.log warn;
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            errlog.get_logs(1000)  -- what the worker logged before
            ngx.log(ngx.WARN, "own-a")
            ngx.log(ngx.WARN, "own-b")
            ngx.log(ngx.WARN, "own-c")
            local res = {}
            local function texts(logs)
                local out = {}
                for i = 3, #logs, 3 do out[#out + 1] = logs[i]:match("own%-%a") end
                return table.concat(out, ",")
            end
            ngx.say(texts(assert(errlog.get_logs(2, res))), " ", #res)
            ngx.say(texts(assert(errlog.get_logs(2, res))), " ", #res)
            for i = 1, 200 do ngx.log(ngx.WARN, "many ", i, " ", string.rep("x", 40)) end
            local logs = assert(errlog.get_logs(1000))
            local first, last = logs[3]:match("many (%d+)"), logs[#logs]:match("many (%d+)")
            ngx.say("kept ", #logs / 3 < 200, " from ", tonumber(first) > 1, " to ", last)
        }
    }
--- request
GET /t
--- response_body
own-a,own-b 6
own-c 3
kept true from true to 200

=== TEST 7: set_filter_level checks the level; get_logs is JIT-compiled
--- log_level: warn
--- http_config
    lua_capture_error_log 100k;
--- config
    location = /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.say(errlog.set_filter_level(9))
            ngx.say(errlog.set_filter_level(-1))
            require("jit.v").on()
            local get_logs, raw_log, WARN = errlog.get_logs, errlog.raw_log, ngx.WARN
            local res = {}
            local n = 0
            for i = 1, 300 do
                raw_log(WARN, "line")
                n = n + #get_logs(1, res)
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
nilbad log level
nilbad log level
900
--- error_log eval
[main::loop_traces(9)]
--- no_error_log
NYI

=== TEST 8: lines logged without a request (init_worker_by_lua, a timer) are captured too
--- log_level: warn
--- http_config
    lua_capture_error_log 100k;
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "from init_worker")
        ngx.timer.at(0, function() ngx.log(ngx.WARN, "from a timer") end)
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.sleep(0.01)
            local logs = assert(require("ngx.errlog").get_logs(100))
            local found = {}
            for i = 3, #logs, 3 do
                local what = logs[i]:match("%[warn%] %d+#%d+: %[lua%] [^ ]+ (from [%a_ ]+)")
                if what then found[#found + 1] = what end
            end
            ngx.say(table.concat(found, ", "))
        }
    }
--- request
GET /t
--- response_body
from init_worker, from a timer
--- no_repeat: the lines logged at startup are captured once

=== TEST 9: get_sys_filter_level without a request: init_by_lua sees nginx's start-up level (notice), init_worker_by_lua and timers the error_log's
--- http_config
    init_by_lua_block { init_level = require("ngx.errlog").get_sys_filter_level() }
    init_worker_by_lua_block {
        worker_level = require("ngx.errlog").get_sys_filter_level()
        ngx.timer.at(0, function() timer_level = require("ngx.errlog").get_sys_filter_level() end)
    }
--- config
    location = /t {
        error_log logs/location.log warn;
        content_by_lua_block {
            ngx.sleep(0.01)
            ngx.say(init_level, " ", worker_level, " ", timer_level, " ",
                    require("ngx.errlog").get_sys_filter_level())
        }
    }
--- request
GET /t
--- response_body
6 8 8 5
