# set_by_lua*: variables computed by Lua, in order with `set` and `if`.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: the three forms, with arguments
--- user_files
>>> sum.lua
return tonumber(ngx.arg[1]) + tonumber(ngx.arg[2])
--- config
    location = /t {
        set $a 20;
        set_by_lua_block $block { return "from a block" }
        set_by_lua $inline 'return ngx.arg[1] .. "-" .. ngx.arg[2]' $a $arg_x;
        set_by_lua_file $sum html/sum.lua $a 22;
        return 200 "$block|$inline|$sum\n";
    }
--- request
GET /t?x=y
--- response_body
from a block|20-y|42

=== TEST 2: runs in order with set and if
--- config
    location = /t {
        set $x 1;
        set_by_lua $y 'return ngx.arg[1] + 1' $x;
        set $x "${y}0";
        if ($x = "20") {
            set_by_lua_block $z { return "in if" }
        }
        return 200 "$x $y $z\n";
    }
--- request
GET /t
--- response_body
20 2 in if

=== TEST 3: server-level set_by_lua
--- config
    set_by_lua_block $server_var { return "server" }
    location = /t {
        return 200 "$server_var\n";
    }
--- request
GET /t
--- response_body
server

=== TEST 4: nil and missing results give an empty value, numbers are formatted
--- config
    location = /t {
        set_by_lua_block $nil { return nil }
        set_by_lua_block $none { local x = 1 }
        set_by_lua_block $num { return 3.5 }
        return 200 "[$nil][$none][$num]\n";
    }
--- request
GET /t
--- response_body
[][][3.5]

=== TEST 5: ngx.arg beyond the arguments is nil; ngx.get_phase says set
--- config
    location = /t {
        set_by_lua $v 'return tostring(ngx.arg[2]) .. " " .. tostring(ngx.arg[0]) .. " " .. ngx.get_phase()' $uri;
        return 200 "$v\n";
    }
--- request
GET /t
--- response_body
nil nil set

=== TEST 6: an error gives 500 and a log line
--- config
    location = /t {
        set_by_lua_block $v { error("set failed") }
        return 200 "not reached\n";
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/failed to run set_by_lua\*: set_by_lua\(nginx\.conf:\d+\):1: set failed/

=== TEST 7: a table result is refused
--- config
    location = /t {
        set_by_lua_block $v { return {} }
        return 200 "not reached\n";
    }
--- request
GET /t
--- error_code: 500
--- error_log
the value must be a string, a number or nil, not table

=== TEST 8: waiting and output are disabled in set_by_lua
--- config
    location = /t {
        set_by_lua_block $v {
            local ok, sleep_err = pcall(ngx.sleep, 0.1)
            local ok2, say_err = pcall(ngx.say, "x")
            return sleep_err .. " / " .. say_err
        }
        return 200 "$v\n";
    }
--- request
GET /t
--- response_body_like chomp
API disabled in the context of set_by_lua\* / .*API disabled in the context of set_by_lua\*

=== TEST 9: the variable is usable by other modules and by Lua
--- config
    location = /t {
        set_by_lua_block $greeting { return "hi" }
        add_header X-Greeting $greeting;
        content_by_lua_block { ngx.say("content") }
    }
--- request
GET /t
--- response_headers
X-Greeting: hi
--- response_body
content

=== TEST 10: a bad variable name is refused by the configuration
--- config
    location = /t {
        set_by_lua_block novar { return 1 }
    }
--- must_die
--- error_log
invalid variable name "novar"

=== TEST 11: a syntax error fails the configuration
--- config
    location = /t {
        set_by_lua $v 'return +';
    }
--- must_die
--- error_log eval
qr/failed to load inlined Lua code: set_by_lua\(nginx\.conf:\d+\):1: unexpected symbol near '\+'/
