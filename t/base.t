# resty.core.base: the helpers third-party libraries use.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: ref_in_table reuses freed slots like luaL_ref
--- config
    location = /t {
        content_by_lua_block {
            local base = require "resty.core.base"
            local tb = {}
            local a = base.ref_in_table(tb, "a")
            local b = base.ref_in_table(tb, "b")
            tb[a] = tb[0]
            tb[0] = a
            local c = base.ref_in_table(tb, "c")
            local d = base.ref_in_table(tb, "d")
            ngx.say(a, " ", b, " ", c, " ", d, " ", base.ref_in_table(tb, nil))
            local fresh = { [0] = 0 }
            ngx.say(base.ref_in_table(fresh, "x"))
        }
    }
--- request
GET /t
--- response_body
1 2 1 3 -1
1

=== TEST 2: allows_subsystem is a guard
--- config
    location = /t {
        content_by_lua_block {
            local base = require "resty.core.base"
            ngx.say(select("#", base.allows_subsystem("http", "stream")))
            local ok, err = pcall(base.allows_subsystem, "stream")
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^0
.*unsupported subsystem: http
$

=== TEST 3: scratch buffers and pointers
--- config
    location = /t {
        content_by_lua_block {
            local base = require "resty.core.base"
            local buf = base.get_string_buf(16)
            ngx.say(base.get_string_buf(16) == buf, " ", base.get_string_buf(16, true) ~= buf)
            ngx.say(base.get_string_buf_size())
            base.set_string_buf_size(8192)
            ngx.say(base.get_string_buf_size())
            ngx.say(base.get_size_ptr() == base.get_size_ptr())
            local t = base.new_tab(4, 4)
            t.x = 1
            base.clear_tab(t)
            ngx.say(next(t) == nil)
        }
    }
--- request
GET /t
--- response_body
true true
4096
8192
true
true
--- no_repeat: the scratch buffer stays grown after the first run

=== TEST 4: the built-in Lua layer is loaded when required, not before
package.preload holds a loader per module (a C function, no loaded chunk), and a
module nothing has required yet is made on the first require.
--- config
    location = /t {
        content_by_lua_block {
            local lua_loaders = 0
            for name, loader in pairs(package.preload) do
                if name:find("^resty%.core") or name:find("^ngx%.") then
                    if debug.getinfo(loader, "S").what ~= "C" then
                        lua_loaders = lua_loaders + 1
                    end
                end
            end
            ngx.say("loaders in Lua: ", lua_loaders)
            ngx.say("ngx.base64 loaded: ", package.loaded["ngx.base64"] ~= nil)
            local b64 = require "ngx.base64"
            ngx.say(b64.encode_base64url("\255\254"), " ", require("ngx.base64") == b64)
        }
    }
--- request
GET /t
--- response_body
loaders in Lua: 0
ngx.base64 loaded: false
__4 true
--- no_repeat: modules stay loaded after the first run
