# header_filter_by_lua*, body_filter_by_lua* and ngx.arg in body filters.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: header_filter runs before the header goes out, for a Lua response
--- config
    location = /t {
        content_by_lua_block { ngx.say("body") }
        header_filter_by_lua_block {
            ngx.log(ngx.WARN, "header filter in ", ngx.get_phase(), ", sent: ", ngx.headers_sent)
            ngx.status = 202
        }
    }
--- request
GET /t
--- error_code: 202
--- response_body
body
--- error_log
header filter in header_filter, sent: false

=== TEST 2: header_filter on nginx's own responses (static file, return, error page)
--- user_files
>>> file.txt
static
--- config
    header_filter_by_lua_block { ngx.log(ngx.WARN, "filtered status ", ngx.status) }
    location = /file.txt { root html; }
    location = /ret { return 201 "ret\n"; }
    location = /missing { root html; }
--- request eval
["GET /file.txt", "GET /ret", "GET /missing"]
--- error_code eval
[200, 201, 404]
--- grep_error_log eval
qr/filtered status \d+/
--- grep_error_log_out
filtered status 200
filtered status 201
filtered status 404
--- error_log
open() "$TEST_NGINX_HTML_DIR/missing" failed (2: No such file or directory)

=== TEST 3: output APIs are disabled in header_filter
--- config
    location = /t {
        return 200 "ok\n";
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.say, "x")
            ngx.log(ngx.WARN, "say: ", err)
            ok, err = pcall(ngx.sleep, 1)
            ngx.log(ngx.WARN, "sleep: ", err)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
say: API disabled in the context of header_filter_by_lua*
sleep: API disabled in the context of header_filter_by_lua*

=== TEST 4: an error in header_filter aborts the response
--- config
    location = /t {
        content_by_lua_block { ngx.say("body") }
        header_filter_by_lua_block { error("filter failed") }
    }
--- request
GET /t
--- ignore_response
--- error_log eval
qr/failed to run header_filter_by_lua\*: header_filter_by_lua\(nginx\.conf:\d+\):1: filter failed/

=== TEST 5: ngx.exit in header_filter stops the filter code; ngx.ERROR aborts
--- config
    location = /ok {
        return 200 "ok\n";
        header_filter_by_lua_block {
            ngx.exit(ngx.OK)
            ngx.log(ngx.ERR, "not reached")
        }
    }
    location = /abort {
        return 200 "never\n";
        header_filter_by_lua_block { ngx.exit(ngx.ERROR) }
    }
--- request eval
["GET /ok", "GET /abort"]
--- ignore_response
--- no_error_log
not reached

=== TEST 6: body_filter sees each chunk and the end flag
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("one")
            ngx.flush(true)
            ngx.say("two")
        }
        body_filter_by_lua_block {
            ngx.log(ngx.WARN, "chunk [", (ngx.arg[1]:gsub("\n", "|")), "] eof ", ngx.arg[2])
        }
    }
--- request
GET /t
--- response_body
one
two
--- grep_error_log eval
qr/chunk \[[^\]]*\] eof \w+/
--- grep_error_log_out
chunk [one|] eof false
chunk [] eof false
chunk [two|] eof false
chunk [] eof true

=== TEST 7: body_filter rewrites a static file's chunks
--- user_files
>>> file.txt
hello world
--- config
    location = /file.txt {
        root html;
        body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
    }
--- request
GET /file.txt
--- response_headers
Content-Length: 12
--- response_body
HELLO WORLD

=== TEST 8: replacing with a table, a number, nil
--- config
    location = /table {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block {
            if ngx.arg[1] ~= "" then ngx.arg[1] = { "a", 1, "b\n" } end
        }
    }
    location = /number {
        content_by_lua_block { ngx.print("x") }
        body_filter_by_lua_block { if ngx.arg[1] ~= "" then ngx.arg[1] = 42 end }
    }
    location = /drop {
        content_by_lua_block { ngx.say("secret") ngx.say("public") }
        body_filter_by_lua_block {
            if ngx.arg[1] == "secret\n" then ngx.arg[1] = nil end
        }
    }
--- request eval
["GET /table", "GET /number", "GET /drop"]
--- response_body eval
["a1b\n", "42", "public\n"]

=== TEST 9: setting ngx.arg[2] ends the body early and drops what follows
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("first")
            ngx.flush(true)
            ngx.say("second")
        }
        body_filter_by_lua_block {
            if ngx.arg[1] == "first\n" then
                ngx.arg[1] = "only this\n"
                ngx.arg[2] = true
            end
        }
    }
--- request
GET /t
--- response_body
only this

=== TEST 10: appending at the end of the body
--- config
    location = /t {
        return 200 "body\n";
        # A filter that changes the length must drop Content-Length (as in OpenResty),
        # or a keep-alive client reads the appended bytes as the next response.
        header_filter_by_lua_block { ngx.header.content_length = nil }
        body_filter_by_lua_block {
            if ngx.arg[2] then ngx.arg[1] = ngx.arg[1] .. "appended\n" end
        }
    }
--- request
GET /t
--- response_body
body
appended

=== TEST 11: a chunk of several buffers is read whole
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(string.rep("a", 3000))
            ngx.say(string.rep("b", 3000))
            ngx.eof()
        }
        body_filter_by_lua_block {
            local chunk = ngx.arg[1]
            if #chunk > 0 then
                ngx.log(ngx.WARN, "chunk of ", #chunk, " bytes")
                ngx.arg[1] = #chunk .. "\n"
            end
        }
    }
--- request
GET /t
--- response_body_like chomp
^\d+\n(?:\d+\n)*$

=== TEST 12: bad values for ngx.arg
--- config
    location = /t {
        return 200 "x\n";
        body_filter_by_lua_block {
            local ok, err = pcall(function() ngx.arg[1] = print end)
            ngx.log(ngx.WARN, "function: ", err)
            ok, err = pcall(function() ngx.arg[1] = { print } end)
            ngx.log(ngx.WARN, "table: ", err)
            ok, err = pcall(function() ngx.arg[3] = "x" end)
            ngx.log(ngx.WARN, "index: ", err)
        }
    }
--- request
GET /t
--- response_body
x
--- error_log eval
[qr/function: body_filter_by_lua\(nginx\.conf:\d+\):2: bad value for ngx\.arg\[1\] \(string, number, table or nil expected, got function\)/,
 qr/table: body_filter_by_lua\(nginx\.conf:\d+\):4: bad value for ngx\.arg\[1\]: the table must hold strings and numbers only/,
 qr/index: body_filter_by_lua\(nginx\.conf:\d+\):6: bad index for ngx\.arg: 3 \(1 or 2 expected\)/]

=== TEST 13: ngx.arg outside filters and set_by_lua
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() return ngx.arg[1] end)
            ngx.say(err)
            ok, err = pcall(function() ngx.arg[1] = "x" end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: API disabled in the current context
content_by_lua\(nginx\.conf:\d+\):4: API disabled in the context of content_by_lua\*
$

=== TEST 14: an error in body_filter cuts the response
--- config
    location = /t {
        content_by_lua_block { ngx.say("a") ngx.flush(true) ngx.say("b") }
        body_filter_by_lua_block {
            if ngx.arg[1] == "b\n" then error("bad chunk") end
        }
    }
--- request
GET /t
--- truncated_response
--- error_log eval
qr/failed to run body_filter_by_lua\*: body_filter_by_lua\(nginx\.conf:\d+\):2: bad chunk/

=== TEST 15: filters from the file forms, inherited by locations
--- user_files
>>> hf.lua
ngx.status = 203
>>> bf.lua
ngx.arg[1] = ngx.arg[1]:reverse()
--- config
    header_filter_by_lua_file html/hf.lua;
    body_filter_by_lua_file html/bf.lua;
    location = /t { return 200 "abc"; }
--- request
GET /t
--- error_code: 203
--- response_body: cba

=== TEST 16: ngx.say in content goes through the C API when filters run Lua
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 3 do
                local ok, err = ngx.say("line ", i)
                assert(ok == 1, err)
            end
            ngx.send_headers()
            ngx.flush(true)
            ngx.eof()
        }
        header_filter_by_lua_block { ngx.status = 201 }
        body_filter_by_lua_block { ngx.arg[1] = ngx.arg[1]:gsub("line", "LINE") }
    }
--- request
GET /t
--- error_code: 201
--- response_body
LINE 1
LINE 2
LINE 3

=== TEST 17: the body filter stays JIT-friendly in a loop of ngx.say
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local say = ngx.say
            for i = 1, 300 do
                say("x")
            end
        }
        body_filter_by_lua_block { ngx.arg[1] = ngx.arg[1]:upper() }
    }
--- request
GET /t
--- response_body eval
"X\n" x 300
--- no_error_log
[error]

=== TEST 18: a header filter edits response headers; the body filter then changes the length
--- user_files
>>> file.txt
short
--- config
    location = /file.txt {
        root html;
        header_filter_by_lua_block {
            ngx.header["X-Filtered"] = "yes"
            ngx.header.content_length = nil
        }
        body_filter_by_lua_block {
            if ngx.arg[1] ~= "" then ngx.arg[1] = ngx.arg[1] .. "and longer\n" end
        }
    }
--- request
GET /file.txt
--- response_headers
X-Filtered: yes
!Content-Length
--- response_body
short
and longer
