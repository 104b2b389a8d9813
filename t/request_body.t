# ngx.req.read_body, discard_body, get_body_data, get_body_file, get_post_args and
# lua_need_request_body.
use lib 't/lib';
use NgxTest;

# A body that arrives in two parts (see body_pause), and what a handler prints of it.
our $Big = join '&', map { "k$_=" . ('v' x 50) } 1 .. 20000;
our $BigSummary = length($Big) . " " . substr($Big, -8) . "\n";

run_tests();
__DATA__

=== TEST 1: read_body, then the body as a string and as POST arguments
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(ngx.req.get_body_data(), " ", tostring(ngx.req.get_body_file()))
            ngx.say(ngx.req.get_body_data(5))
            local args = ngx.req.get_post_args()
            ngx.say(args.a, " ", args.b, " ", args.c, " ", tostring(args.d))
            local two, err = ngx.req.get_post_args(2)
            ngx.say(two.a, " ", two.b, " ", tostring(two.c), " ", err)
        }
    }
--- request
POST /t
a=1&b=hello%20world&c&d=
--- response_body
a=1&b=hello%20world&c&d= nil
a=1&b
1 hello world true 
1 hello world nil truncated

=== TEST 2: a body nginx reads in several events, in every phase that may read it
--- no_forced_eagain: a 1.1 MB body at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 1 reads a body under it
--- config
    client_body_buffer_size 10m;
    location = /content {
        content_by_lua_block {
            ngx.req.read_body()
            local body = ngx.req.get_body_data()
            ngx.say(#body, " ", body:sub(-8))
        }
    }
    location = /rewrite {
        rewrite_by_lua_block { ngx.req.read_body() ngx.ctx.body = ngx.req.get_body_data() }
        content_by_lua_block { ngx.say(#ngx.ctx.body, " ", ngx.ctx.body:sub(-8)) }
    }
    location = /access {
        access_by_lua_block { ngx.req.read_body() }
        content_by_lua_block {
            local body = ngx.req.get_body_data()
            ngx.say(#body, " ", body:sub(-8))
        }
    }
--- log_level: debug
--- request eval
["POST /content", "POST /rewrite", "POST /access"]
--- request_body eval
[$::Big, $::Big, $::Big]
--- body_pause: 0.3
--- response_body eval
[$::BigSummary, $::BigSummary, $::BigSummary]
--- grep_error_log eval
qr/lua read body: waiting for the rest/
--- grep_error_log_out
lua read body: waiting for the rest
lua read body: waiting for the rest
lua read body: waiting for the rest

=== TEST 3: a body in a temp file: get_body_file names it, get_body_data and get_post_args give nothing
--- config
    client_body_buffer_size 1k;
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            local name = ngx.req.get_body_file()
            local f = assert(io.open(name))
            local body = f:read("*a")
            f:close()
            ngx.say(#body, " ", body:sub(1, 4), " ", tostring(ngx.req.get_body_data()))
            ngx.say(ngx.req.get_post_args())
        }
    }
--- request eval
"POST /t\n" . ("x=1&" x 1000)
--- response_body
4000 x=1& nil
nilrequest body in temp file not supported

=== TEST 4: lua_need_request_body reads the body before the first handler, also in several events
--- no_forced_eagain: a 1.1 MB body at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 1 reads a body under it
--- config
    client_body_buffer_size 10m;
    lua_need_request_body on;
    location = /content {
        content_by_lua_block {
            local body = ngx.req.get_body_data()
            ngx.say(#body, " ", body:sub(-8))
        }
    }
    location = /access {
        access_by_lua_block { ngx.ctx.len = #ngx.req.get_body_data() }
        content_by_lua_block { ngx.say(ngx.ctx.len, " ", ngx.var.request_body:sub(-8)) }
    }
    location = /small {
        content_by_lua_block { ngx.say(ngx.req.get_post_args().x) }
    }
--- log_level: debug
--- request eval
["POST /content", "POST /access", "POST /small"]
--- request_body eval
[$::Big, $::Big, "x=42"]
--- body_pause: 0.3
--- response_body eval
[$::BigSummary, $::BigSummary, "42\n"]
--- grep_error_log eval
qr/lua_need_request_body: waiting for the rest/
--- grep_error_log_out
lua_need_request_body: waiting for the rest
lua_need_request_body: waiting for the rest
lua_need_request_body: waiting for the rest

=== TEST 5: a body over client_max_body_size ends the request with 413 at read_body
--- config
    location = /t {
        client_max_body_size 1k;
        content_by_lua_block {
            ngx.req.read_body()
            ngx.log(ngx.ERR, "not reached after read_body")
        }
    }
--- request eval
"POST /t\n" . ("x" x 2000)
--- error_code: 413
--- response_body_like: 413 Request Entity Too Large
--- no_error_log
not reached
--- error_log
client intended to send too large body: 2000 bytes

=== TEST 6: no body, a discarded body, errors and contexts
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()), " ", next(ngx.req.get_post_args()) == nil)
            ngx.say(pcall(ngx.req.read_body, 1))
            ngx.say(pcall(ngx.req.get_body_file, 1))
            ngx.say(pcall(ngx.req.get_body_data, "x"))
        }
    }
    location = /unread {
        content_by_lua_block {
            ngx.say(pcall(ngx.req.get_post_args))
            ngx.say(tostring(ngx.req.get_body_data()))
            ngx.req.discard_body()
            ngx.say(tostring(ngx.req.get_body_data()), " ", tostring(ngx.req.get_body_file()))
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()))
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", select(2, pcall(ngx.req.read_body)))
        }
    }
--- request eval
["GET /t", "POST /unread\na=1"]
--- response_body_like eval
["^nil true
falseexpecting 0 arguments but seen 1
falseexpecting 0 arguments but seen 1
falsebad argument #1 to 'get_body_data' \\(number expected, got string\\)
\\z",
"^falseno request body found; maybe you should turn on lua_need_request_body\\?
nil
nil nil
nil
\\z"]
--- error_log
log: API disabled in the context of log_by_lua*

=== TEST 7: a chunked body
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(ngx.req.get_body_data())
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
--- response_body
hello world

=== TEST 8: the body functions are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local req = ngx.req
            req.read_body()
            local n = 0
            for _ = 1, 300 do
                req.read_body()
                n = n + #req.get_body_data() + #req.get_body_data(3) + (req.get_body_file() and 1 or 0)
            end
            for _ = 1, 300 do
                req.set_body_data("a=1&b=2")
                n = n + #req.get_post_args().a
            end
            req.init_body(4096)
            for _ = 1, 300 do
                req.append_body("x")
            end
            req.finish_body()
            ngx.say(n + #req.get_body_data())
        }
    }
--- request
POST /t
a=1&b=2
--- response_body
3600
--- error_log eval
[main::loop_traces(6, 10, 15)]
--- no_error_log
NYI

=== TEST 9: a chunked body found too large while it arrives: 413, and the request ends
--- config
    location = /access {
        client_max_body_size 1k;
        access_by_lua_block { ngx.req.read_body() ngx.log(ngx.ERR, "not reached in access") }
        content_by_lua_block { ngx.say("content must not run") }
    }
    location = /content {
        client_max_body_size 1k;
        content_by_lua_block { ngx.req.read_body() ngx.log(ngx.ERR, "not reached in content") }
    }
    location = /need-access {
        client_max_body_size 1k;
        lua_need_request_body on;
        access_by_lua_block { ngx.log(ngx.ERR, "not reached: access after the body") }
    }
    location = /need-content {
        client_max_body_size 1k;
        lua_need_request_body on;
        content_by_lua_block { ngx.log(ngx.ERR, "not reached: content after the body") }
    }
--- raw_request eval
# The second half (see body_pause) brings the chunk that is too much; the client sends
# nothing after it and waits for the answer.
my $body = "3f0\r\n" . ("x" x 0x3f0) . "\r\n20\r\n" . ("y" x 0x20) . "\r\n";
[map { "POST /$_ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n$body" }
     qw(access content need-access need-content)]
--- body_pause: 0.3
--- log_level: debug
--- error_code eval
[413, 413, 413, 413]
--- response_body_like eval
[("413 Request Entity Too Large") x 4]
--- grep_error_log eval
qr/lua read body: waiting for the rest|lua_need_request_body: waiting for the rest/
--- grep_error_log_out
lua read body: waiting for the rest
lua read body: waiting for the rest
lua_need_request_body: waiting for the rest
lua_need_request_body: waiting for the rest
--- error_log
client intended to send too large chunked body
--- no_error_log
not reached

=== TEST 10: set_body_data replaces the body (in memory or in a file) that goes upstream
--- config
    location = /memory {
        rewrite_by_lua_block {
            ngx.req.read_body()
            ngx.req.set_body_data("replaced " .. ngx.req.get_body_data())
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /file {
        client_body_buffer_size 1k;
        rewrite_by_lua_block {
            ngx.req.read_body()
            local old = ngx.req.get_body_file()
            ngx.req.set_body_data("small now")
            ngx.req.set_header("X-Old-Gone", tostring(io.open(old) == nil))
            ngx.req.set_header("X-Body-File", tostring(ngx.req.get_body_file()))
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /empty {
        rewrite_by_lua_block { ngx.req.read_body() ngx.req.set_body_data("") }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(ngx.var.http_content_length, " [", tostring(ngx.req.get_body_data()), "] ",
                    tostring(ngx.var.http_x_old_gone), " ", tostring(ngx.var.http_x_body_file))
        }
    }
--- request eval
["POST /memory\nabc", "POST /file\n" . ("x" x 4000), "POST /empty\nabc"]
--- response_body eval
["12 [replaced abc] nil nil\n", "9 [small now] true nil\n", "0 [nil] nil nil\n"]

=== TEST 11: set_body_file sends a file upstream, and removes it afterwards when asked
--- config
    location = /t {
        rewrite_by_lua_block {
            ngx.req.read_body()
            local path = "$TEST_NGINX_HTML_DIR/" .. ngx.var.arg_name
            local f = assert(io.open(path, "w"))
            f:write("file body ", ngx.var.arg_name)
            f:close()
            ngx.req.set_body_file(path, ngx.var.arg_clean == "1")
            ngx.req.set_header("X-Body-File", ngx.req.get_body_file())
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(ngx.var.http_content_length, " [", ngx.req.get_body_data(), "] ",
                    ngx.var.http_x_body_file:match("[^/]*$"))
        }
    }
    location = /exists {
        content_by_lua_block {
            ngx.say(io.open("$TEST_NGINX_HTML_DIR/" .. ngx.var.arg_name) ~= nil)
        }
    }
--- request eval
["POST /t?name=kept&clean=0\nx", "POST /t?name=cleaned&clean=1\nx", "GET /exists?name=kept",
 "GET /exists?name=cleaned"]
--- response_body eval
["14 [file body kept] kept\n", "17 [file body cleaned] cleaned\n", "true\n", "false\n"]

=== TEST 12: set_body_data and set_body_file refuse what OpenResty refuses
--- config
    location = /t {
        content_by_lua_block {
            local out = {}
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                out[#out + 1] = tostring(err)
            end
            try(ngx.req.set_body_data, "x")
            try(ngx.req.set_body_file, "/tmp/x")
            ngx.req.read_body()
            try(ngx.req.set_body_data)
            try(ngx.req.set_body_data, {})
            try(ngx.req.set_body_file)
            try(ngx.req.set_body_file, "/x", "yes")
            try(ngx.req.set_body_file, "/nonexistent/body")
            ngx.say(table.concat(out, "\n"))
        }
    }
--- request
POST /t
abc
--- response_body
request body not read yet
request body not read yet
expecting 1 arguments but seen 0
bad argument #1 to 'set_body_data' (string expected, got table)
expecting 1 or 2 arguments but seen 0
bad argument #2 to 'set_body_file' (boolean expected, got string)
open() "/nonexistent/body" failed
--- error_log
ngx.req.set_body_file: "/nonexistent/body" (2: No such file or directory)

=== TEST 13: init_body, append_body, finish_body build a new body, in memory or in a file
--- config
    location = /t {
        rewrite_by_lua_block {
            ngx.req.read_body()
            local size = tonumber(ngx.var.arg_size)
            if size then
                ngx.req.init_body(size)
            else
                ngx.req.init_body()
            end
            for i = 1, tonumber(ngx.var.arg_parts) do
                ngx.req.append_body(string.format("part%04d;", i))
            end
            ngx.req.finish_body()
            ngx.req.set_header("X-In-File", tostring(ngx.req.get_body_file() ~= nil))
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        client_body_buffer_size 1m;
        content_by_lua_block {
            ngx.req.read_body()
            local body = ngx.req.get_body_data() or ""
            ngx.say(ngx.var.http_content_length, " ", #body, " ", body:sub(1, 9), " ", body:sub(-9), " ",
                    ngx.var.http_x_in_file)
        }
    }
--- request eval
["POST /t?size=1024&parts=3\nold", "POST /t?size=64&parts=100\nold", "POST /t?size=0&parts=5\nold",
 "POST /t?parts=2\nold"]
--- response_body eval
["27 27 part0001; part0003; false\n", "900 900 part0001; part0100; true\n", "45 45 part0001; part0005; true\n",
 "18 18 part0001; part0002; false\n"]

=== TEST 14: the body builders refuse what OpenResty refuses
--- config
    location = /t {
        content_by_lua_block {
            local out = {}
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                out[#out + 1] = tostring(err)
            end
            try(ngx.req.init_body)
            try(ngx.req.append_body, "x")
            try(ngx.req.finish_body)
            ngx.req.read_body()
            try(ngx.req.init_body, 1, 2)
            try(ngx.req.init_body, -1)
            try(ngx.req.init_body, "big")
            try(ngx.req.append_body)
            try(ngx.req.append_body, {})
            try(ngx.req.finish_body, 1)
            ngx.say(table.concat(out, "\n"))
        }
    }
--- request
POST /t
abc
--- response_body
request body not read yet
request_body not initialized
request_body not initialized
expecting 0 or 1 argument but seen 2
bad size argument: -1
bad argument #1 to 'init_body' (number expected, got string)
expecting 1 arguments but seen 0
bad argument #1 to 'append_body' (string expected, got table)
expecting 0 argument but seen 1

=== TEST 15: after a body read in several events, the phases go on as nginx's own handlers expect (auth_request waits on a subrequest)
--- no_forced_eagain: a 1.1 MB body at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 1 reads a body under it
--- config
    client_body_buffer_size 10m;
    location = /auth { return 204; }
    location = /rewrite {
        rewrite_by_lua_block { ngx.req.read_body() }
        auth_request /auth;
        content_by_lua_block { ngx.say(#ngx.req.get_body_data()) }
    }
    location = /need {
        lua_need_request_body on;
        rewrite_by_lua_block { ngx.ctx.len = #ngx.req.get_body_data() }
        auth_request /auth;
        content_by_lua_block { ngx.say(ngx.ctx.len) }
    }
--- request eval
["POST /rewrite", "POST /need"]
--- request_body eval
[$::Big, $::Big]
--- body_pause: 0.3
--- response_body eval
[length($::Big) . "\n", length($::Big) . "\n"]

=== TEST 16: lua_need_request_body reads the body before server_rewrite_by_lua
--- no_forced_eagain: a 1.1 MB body at 64 bytes a call through EAGAIN outlasts the request timeout; TEST 1 reads a body under it
--- config
    client_body_buffer_size 10m;
    lua_need_request_body on;
    server_rewrite_by_lua_block { ngx.ctx.len = #ngx.req.get_body_data() }
    location = /t {
        content_by_lua_block { ngx.say(ngx.ctx.len) }
    }
--- request
POST /t
--- request_body eval
$::Big
--- body_pause: 0.3
--- response_body eval
length($::Big) . "\n"

=== TEST 17: after a body read at once (no wait), auth_request's subrequest still brings the phases back
--- config
    location = /auth { return 204; }
    location = /rewrite {
        rewrite_by_lua_block { ngx.req.read_body() }
        auth_request /auth;
        content_by_lua_block { ngx.say(ngx.req.get_body_data()) }
    }
    location = /need {
        lua_need_request_body on;
        rewrite_by_lua_block { ngx.ctx.body = ngx.req.get_body_data() }
        auth_request /auth;
        content_by_lua_block { ngx.say(ngx.ctx.body) }
    }
--- request eval
["POST /rewrite", "POST /need"]
--- request_body eval
["a=1", "b=2"]
--- response_body eval
["a=1\n", "b=2\n"]

=== TEST 18: a body the handler did not read is discarded: the next request on the connection is read as sent
--- config
    location = /t {
        content_by_lua_block { ngx.say(ngx.req.get_method(), " ", ngx.var.request_uri) }
    }
--- pipelined_requests eval
["POST /t?1\nunread body", "PUT /t?2\n" . ("x" x 100000), "GET /t?3"]
--- response_body eval
["POST /t?1\n", "PUT /t?2\n", "GET /t?3\n"]
