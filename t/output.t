# ngx.say, ngx.print, ngx.flush, ngx.eof, ngx.send_headers, ngx.headers_sent.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: say and print with every scalar type
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("a", 1, " ", 2.5, " ", true, " ", false, " ", nil, " ", ngx.null)
            ngx.print("no newline")
            ngx.print("|", -0.5, "\n")
            ngx.say()
            ngx.say("")
            ngx.print()
            ngx.say(123456789012)
        }
    }
--- request
GET /t
--- response_body
a1 2.5 true false nil null
no newline|-0.5


123456789012
--- response_headers
Content-Type: text/plain
Transfer-Encoding: chunked
--- no_error_log
[error]

=== TEST 2: nested array tables are flattened
--- config
    location = /t {
        content_by_lua_block {
            ngx.say({"a", {"b", {1, 2}}, true, ngx.null}, "!", {})
            ngx.print({"x", "y"}, {"\n"})
        }
    }
--- request
GET /t
--- response_body
ab12truenull!
xy

=== TEST 3: say returns 1 on success
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = ngx.print("")
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
1 nil

=== TEST 4: a function argument is refused with the argument's position
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("fine")
            ngx.flush(true)
            local ok, err = pcall(ngx.say, "x", print)
            ngx.say(err)
            ok, err = pcall(ngx.print, coroutine.create(print))
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
fine
bad argument #2 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)
bad argument #1 to 'print' (string, number, boolean, nil, ngx.null, or array table expected, got thread)

=== TEST 5: hash tables and bad values inside tables are refused
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.say, {a = 1})
            ngx.say(err)
            ok, err = pcall(ngx.say, "ok", {1, {print}})
            ngx.say(err)
            ok, err = pcall(ngx.say, {[1] = "a", [3] = "c"})
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
bad argument #1 to 'say' (non-array table found)
bad argument #2 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)
bad argument #1 to 'say' (non-array table found)

=== TEST 6: a refused argument sends nothing of the call
--- config
    location = /t {
        content_by_lua_block {
            pcall(ngx.say, "lost", {}, print)
            ngx.say("kept")
        }
    }
--- request
GET /t
--- response_body
kept

=== TEST 7: a table nested in itself is refused, not followed forever
--- config
    location = /t {
        content_by_lua_block {
            local t = {"x"}
            t[2] = t
            local ok, err = pcall(ngx.say, t)
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
false bad argument #1 to 'say' (table nested too deeply)

=== TEST 8: error from say points at the caller's line
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(print)
        }
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'say'/

=== TEST 9: output from rewrite and access phases ends the request
--- config
    location = /rewrite {
        rewrite_by_lua_block { ngx.say("from rewrite") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /access {
        access_by_lua_block { ngx.print("from access\n") }
        content_by_lua_block { ngx.say("content must not run") }
    }
--- request eval
["GET /rewrite", "GET /access"]
--- response_body eval
["from rewrite\n", "from access\n"]
--- no_error_log
[error]
[alert]

=== TEST 10: say after eof returns an error, eof twice is fine
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("body")
            ngx.log(ngx.WARN, "eof: ", ngx.eof())
            ngx.log(ngx.WARN, "eof again: ", ngx.eof())
            local ok, err = ngx.say("late")
            ngx.log(ngx.WARN, "say after eof: ", ok, " ", err)
            ok, err = ngx.flush()
            ngx.log(ngx.WARN, "flush after eof: ", ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
body
--- error_log
eof: 1
eof again: 1
say after eof: nil seen eof
flush after eof: nil seen eof

=== TEST 11: eof refuses arguments
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.eof, 1)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
expecting zero arguments, but got 1

=== TEST 12: HEAD requests get the header and no body
--- config
    location = /t {
        content_by_lua_block {
            local ok = ngx.say("invisible")
            ngx.log(ngx.WARN, "say returned ", ok)
        }
    }
--- request
HEAD /t
--- response_body
--- error_log
say returned 1

=== TEST 13: an empty handler sends an empty 200
--- config
    location = /t {
        content_by_lua_block { }
    }
--- request
GET /t
--- response_body
--- error_code: 200

=== TEST 14: send_headers and headers_sent
--- config
    location = /t {
        content_by_lua_block {
            local before = ngx.headers_sent
            ngx.status = 201
            local ok = ngx.send_headers()
            local again = ngx.send_headers()
            ngx.say(tostring(before), " ", ok, " ", again, " ", tostring(ngx.headers_sent))
        }
    }
--- request
GET /t
--- error_code: 201
--- response_body
false 1 1 true

=== TEST 15: flush(true) waits until a large body has been written
--- no_forced_eagain: 4 MiB of output at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 27 of output.t flushes under it
--- config
    location = /t {
        content_by_lua_block {
            local chunk = string.rep("x", 65535) .. "\n"
            for i = 1, 64 do
                ngx.print(chunk)
            end
            local ok, err = ngx.flush(true)
            ngx.log(ngx.WARN, "flush(true) returned ", ok, " ", err)
            ngx.say("end")
        }
    }
--- request
GET /t
--- response_body eval
("x" x 65535 . "\n") x 64 . "end\n"
--- error_log
flush(true) returned 1 nil

=== TEST 16: flush without wait and before any output
--- config
    location = /t {
        content_by_lua_block {
            local first = ngx.flush()
            ngx.say("a")
            local second = ngx.flush(false)
            ngx.say(first, " ", second)
        }
    }
--- request
GET /t
--- response_body
a
1 1

=== TEST 17: output APIs are disabled in log_by_lua
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            for _, f in ipairs({"say", "print", "flush", "eof", "send_headers"}) do
                local ok, err = pcall(ngx[f])
                ngx.log(ngx.WARN, f, ": ", err)
            end
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
say: API disabled in the context of log_by_lua*
print: API disabled in the context of log_by_lua*
flush: API disabled in the context of log_by_lua*
eof: API disabled in the context of log_by_lua*
send_headers: API disabled in the context of log_by_lua*

=== TEST 18: output APIs are disabled in init_by_lua
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.say, "x")
        ngx.log(ngx.WARN, "init say: ", err)
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log
init say: no request object found

=== TEST 19: ngx.say and ngx.print are JIT-compiled
--- log_level: info
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local say, print = ngx.say, ngx.print
            for i = 1, 300 do
                say("")
                print("a")
            end
            for i = 1, 300 do
                say("n", i, true)
            end
            say()
        }
    }
--- request
GET /t
--- response_body eval
"\na" x 300 . join("", map { "n${_}true\n" } 1 .. 300) . "\n"
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):4 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 loop\]/]
--- no_error_log
NYI

=== TEST 20: called from code LuaJIT never compiles, output gets traces of its own
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            -- A vararg function (a handler that uses the chunk's ...) is never compiled.
            local function handler(...)
                for i = 1, 200 do
                    ngx.print("a")
                    ngx.print(1, true)
                end
                ngx.say("")
            end
            jit.off(handler)
            handler()
        }
    }
--- request
GET /t
--- response_body eval
"a1true" x 200 . "\n"
--- error_log eval
[map { my $line = lua_function_line("resty/core/output.lua", $_);
       qr/\[TRACE\s+\d+ output\.lua:$line return\]/ } "output_string", "output_values"]
--- no_error_log
NYI

=== TEST 21: send_headers, headers_sent, flush and eof are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local send_headers, flush, eof = ngx.send_headers, ngx.flush, ngx.eof
            local n = 0
            for i = 1, 300 do
                n = n + send_headers()
            end
            for i = 1, 300 do
                if ngx.headers_sent then n = n + 1 end
            end
            for i = 1, 300 do
                n = n + flush()
            end
            ngx.print(n, "\n")
            for i = 1, 300 do
                n = n + eof()
            end
            ngx.log(ngx.WARN, "total ", n)
        }
    }
--- request
GET /t
--- response_body
900
--- error_log eval
[loop_traces(5, 8, 11, 15), qr/total 1200/]
--- no_error_log
NYI

=== TEST 22: up to twelve values and more take different paths: same output, same errors
--- config
    location = /t {
        content_by_lua_block {
            ngx.say()
            ngx.say(1, "a", nil, true, ngx.null)
            ngx.say(1, "a", nil, true, ngx.null, {"b", {"c"}}, false, 2.5)
            ngx.print("x", "y", "\n")
            ngx.say(select(2, pcall(ngx.say, 1, 2, 3, 4, print)))
            ngx.say(select(2, pcall(ngx.say, 1, 2, 3, 4, 5, 6, print)))
            ngx.say(select(2, pcall(ngx.print, 1, 2, 3, 4, 5, 6, {x = 1})))
            ngx.say(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
            ngx.say(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
            ngx.say(select(2, pcall(ngx.say, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, print)))
            ngx.say(select(2, pcall(ngx.say, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, print)))
        }
    }
--- request
GET /t
--- response_body eval
"\n1aniltruenull\n1aniltruenullbcfalse2.5\nxy\n"
. "bad argument #5 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)\n"
. "bad argument #7 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)\n"
. "bad argument #7 to 'print' (non-array table found)\n"
. "123456789101112\n12345678910111213\n"
. "bad argument #12 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)\n"
. "bad argument #13 to 'say' (string, number, boolean, nil, ngx.null, or array table expected, got function)\n"

=== TEST 23: an answer written as one ngx.say of many values is compiled
A handler commonly writes its answer as one call of a dozen values: from code LuaJIT
never compiles, that call still runs in a trace of its own.
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local function handler(...)
                for i = 1, 200 do
                    ngx.say("GET", " ", "/t", " ", "agent", " ", 1, " ", i % 2, " ", 7, ".")
                end
            end
            jit.off(handler)
            handler()
        }
    }
--- request
GET /t
--- response_body eval
join("", map { "GET /t agent 1 " . ($_ % 2) . " 7.\n" } 1 .. 200)
--- error_log eval
my $line = lua_function_line("resty/core/output.lua", "output_values");
qr/\[TRACE\s+\d+ output\.lua:$line return\]/
--- no_error_log
NYI

=== TEST 24: small output waits as nginx's postpone_output has it, and goes to nginx when the handler waits
Output below postpone_output is kept until more comes or the response ends, as
nginx's write filter keeps it; a wait hands it to nginx, which sends it once header
and body together reach postpone_output. With postpone_output 0 nothing waits.
--- no_forced_eagain: $bytes_sent counts what the socket took, which forced EAGAIN makes less
--- config
    location = /held {
        content_by_lua_block {
            ngx.send_headers()
            ngx.print(string.rep("x", 1400))
            local before_wait = tonumber(ngx.var.bytes_sent)
            ngx.sleep(0.01)
            local after_wait = tonumber(ngx.var.bytes_sent)
            ngx.say(" ", before_wait, " ", after_wait > 1400)
        }
    }
    location = /immediate {
        postpone_output 0;
        content_by_lua_block {
            ngx.send_headers()
            local header = tonumber(ngx.var.bytes_sent)
            ngx.print("12345")
            ngx.say(" ", tonumber(ngx.var.bytes_sent) - header)
        }
    }
--- request eval
["GET /held", "GET /immediate"]
--- response_body eval
[("x" x 1400) . " 0 true\n", "12345 10\n"]

=== TEST 25: a body_filter_by_lua sees each ngx.say on its own, then the end
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("a")
            ngx.print("b")
            ngx.say("c")
        }
        body_filter_by_lua_block {
            ngx.arg[1] = "[" .. ngx.arg[1] .. (ngx.arg[2] and "|eof" or "") .. "]"
        }
    }
--- request
GET /t
--- response_body chomp
[a
][b][c
][|eof]

=== TEST 26: a handler that answers with one ngx.say of a dozen values compiles whole
Each value used to be put by a recursive call, which LuaJIT counts against its unroll
limit: the handler's trace aborted.
--- http_config
    init_worker_by_lua_block { require("jit.v").on() }
--- config
    location = /t {
        content_by_lua_block {
            local args = ngx.req.get_uri_args()
            ngx.say(ngx.var.request_method, " ", ngx.var.uri, " ", args.a, " ", true, " ", nil, " ", ngx.time() > 0, "!")
        }
    }
--- request eval
[("GET /t?a=1") x 150]
--- response_body eval
[("GET /t 1 true nil true!\n") x 150]
--- error_log eval
qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):0 return\]/
--- no_error_log
loop unroll limit
NYI

=== TEST 27: flush(true) with a client that reads slowly waits for it, and the whole body arrives
--- config
    location = /t {
        content_by_lua_block {
            local chunk = string.rep("x", 32767) .. "\n"
            for i = 1, 8 do
                ngx.print(chunk)
                local ok, err = ngx.flush(true)
                if not ok then
                    ngx.log(ngx.ERR, "flush(true) ", i, ": ", err)
                    return
                end
            end
            ngx.say("end")
        }
    }
--- slow_reader: 4096 0.001
--- request
GET /t
--- response_body eval
("x" x 32767 . "\n") x 8 . "end\n"
--- log_level: debug
--- error_log
lua flush: waiting for the output to be written

=== TEST 28: send_timeout ends flush(true) of a client that stopped reading, and the request
--- config
    location = /t {
        send_timeout 200ms;
        content_by_lua_block {
            ngx.print(string.rep("x", 1048576))
            local ok, err = ngx.flush(true)
            ngx.log(ngx.WARN, "flush(true) returned ", ok, " ", err)
        }
    }
--- slow_reader: 4096 30
--- timeout: 1
--- abort
--- request
GET /t
--- log_level: debug
--- error_log
flush(true) returned nil timeout
client timed out
http close request

=== TEST 29: a client that hangs up while flush(true) waits: flush returns OpenResty's "client aborted"
--- config
    location = /t {
        content_by_lua_block {
            ngx.print(string.rep("x", 1048576))
            local ok, err = ngx.flush(true)
            ngx.log(ngx.WARN, "flush(true) returned ", ok, " ", err)
        }
    }
--- slow_reader: 4096 30
--- timeout: 0.5
--- abort
--- request
GET /t
--- log_level: debug
--- error_log
flush(true) returned nil client aborted
