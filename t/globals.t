# Global variables: one _G per worker, shared by all requests, and OpenResty's
# "_G write guard" warning when request code creates a global.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: a global made by a request is warned of once and stays for the next requests
--- config
    location = /t {
        content_by_lua_block {
            if not counter then
                counter = 1
            else
                counter = counter + 1
            end
            ngx.say(counter)
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["1\n", "2\n", "3\n"]
--- error_log eval
qr/\[warn\] \d+#\d+: \*\d+ \[lua\] _G write guard:\d+: __newindex\(\): writing a global Lua variable \('counter'\) which may lead to race conditions between concurrent requests, so prefer the use of 'local' variables\nstack traceback:\n\tcontent_by_lua\(nginx\.conf:\d+\):3: in main chunk, client: /
--- grep_error_log eval
qr/writing a global Lua variable \('\w+'\)/
--- grep_error_log_out
writing a global Lua variable ('counter')

=== TEST 2: every request phase is guarded
--- config
    location = /t {
        set_by_lua_block $from_set { set_global = 1 return "s" }
        rewrite_by_lua_block { rewrite_global = 1 }
        access_by_lua_block { access_global = 1 }
        content_by_lua_block { content_global = 1 ngx.say(ngx.var.from_set) }
        header_filter_by_lua_block { header_filter_global = 1 }
        body_filter_by_lua_block { body_filter_global = 1 }
        log_by_lua_block { log_global = 1 }
    }
--- request
GET /t
--- response_body
s
--- grep_error_log eval
qr/writing a global Lua variable \('\w+'\)/
--- grep_error_log_out
writing a global Lua variable ('set_global')
writing a global Lua variable ('rewrite_global')
writing a global Lua variable ('access_global')
writing a global Lua variable ('content_global')
writing a global Lua variable ('header_filter_global')
writing a global Lua variable ('body_filter_global')
writing a global Lua variable ('log_global')

=== TEST 3: globals made by init_by_lua and init_worker_by_lua are not warned of
--- http_config
    init_by_lua_block { from_init = "init" }
    init_worker_by_lua_block { from_init_worker = "worker" }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(from_init, " ", from_init_worker)
            from_init = "changed"
            ngx.say(from_init)
            rawset(_G, "raw_global", 1)
            _G.via_table = 2
            ngx.say(raw_global, " ", via_table)
        }
    }
--- request
GET /t
--- response_body
init worker
changed
1 2
--- grep_error_log eval
qr/writing a global Lua variable \('\w+'\)/
--- grep_error_log_out
writing a global Lua variable ('via_table')

=== TEST 4: a metatable of the application's own on _G is left in place
--- http_config
    init_by_lua_block {
        setmetatable(_G, {
            __newindex = function(_, key)
                error("assignment to undeclared global '" .. tostring(key) .. "'", 2)
            end,
        })
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(pcall(function() undeclared = 1 end))
            ngx.say(rawget(_G, "undeclared"))
        }
    }
--- request
GET /t
--- response_body_like chomp
^false.*assignment to undeclared global 'undeclared'
nil
$
--- no_error_log
writing a global Lua variable
