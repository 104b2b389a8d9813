# The directives: code forms, search paths, code cache, phase order, config errors.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: lua_package_path with $prefix and the default path
--- http_config
    lua_package_path "$prefix/html/?.lua;;";
--- user_files
>>> greeting.lua
return { text = "hello from a module" }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(require("greeting").text)
            ngx.say(package.path:find(ngx.config.prefix() .. "/html/?.lua", 1, true) == 1)
            ngx.say(package.path:find(";;", 1, true) == nil)
            ngx.say(package.path:find("/usr/share/luajit", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- response_body
hello from a module
true
true
true

=== TEST 2: lua_package_path without ;; replaces the default
--- http_config
    lua_package_path "/nonexistent/?.lua";
--- config
    location = /t {
        content_by_lua_block { ngx.say(package.path) }
    }
--- request
GET /t
--- response_body
/nonexistent/?.lua

=== TEST 3: lua_package_cpath
--- http_config
    lua_package_cpath "/opt/lib/?.so;;";
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(package.cpath:sub(1, 14))
            ngx.say(#package.cpath > 14)
        }
    }
--- request
GET /t
--- response_body
/opt/lib/?.so;
true

=== TEST 4: the file forms of every phase, paths relative to the prefix
--- http_config
    init_by_lua_file html/init.lua;
    init_worker_by_lua_file html/init_worker.lua;
--- user_files
>>> init.lua
ngx.log(ngx.WARN, "init file ran")
>>> init_worker.lua
ngx.log(ngx.WARN, "init_worker file ran")
>>> rewrite.lua
ngx.log(ngx.WARN, "rewrite file ran")
>>> access.lua
ngx.log(ngx.WARN, "access file ran")
>>> content.lua
ngx.say("content file ran")
>>> log.lua
ngx.log(ngx.WARN, "log file ran")
--- config
    location = /t {
        rewrite_by_lua_file html/rewrite.lua;
        access_by_lua_file html/access.lua;
        content_by_lua_file $TEST_NGINX_HTML_DIR/content.lua;
        log_by_lua_file html/log.lua;
    }
--- request
GET /t
--- response_body
content file ran
--- error_log
init file ran
init_worker file ran
rewrite file ran
access file ran
log file ran

=== TEST 5: the legacy string forms
--- http_config
    init_by_lua 'ngx.log(ngx.WARN, "legacy init")';
--- config
    location = /t {
        rewrite_by_lua 'ngx.log(ngx.WARN, "legacy rewrite")';
        access_by_lua "ngx.log(ngx.WARN, 'legacy access')";
        content_by_lua 'ngx.say("legacy content")';
        log_by_lua 'ngx.log(ngx.WARN, "legacy log")';
    }
--- request
GET /t
--- response_body
legacy content
--- error_log
legacy init
legacy rewrite
legacy access
legacy log

=== TEST 6: braces inside strings, comments and long brackets
--- config
    location = /t {
        content_by_lua_block {
            -- a comment with a } brace
            local s = "}" .. '}' .. [[}]] .. [==[ } ]] ]==]
            --[[ a long comment }
                 over lines } ]]
            local t = { nested = { "}" } }
            ngx.say(s, t.nested[1])
        }
    }
--- request
GET /t
--- response_body
}}} } ]] }

=== TEST 7: a block larger than nginx's configuration buffer
--- config eval
"location = /t {\n content_by_lua_block {\n" . ("-- " . ("}" x 60) . "\n") x 200 . " ngx.say('big block ok')\n }\n}\n"
. "location = /after { return 200 'after\\n'; }\n"
--- request eval
["GET /t", "GET /after"]
--- response_body eval
["big block ok\n", "after\n"]

=== TEST 8: a Lua syntax error fails the configuration with file and line
--- config
    location = /t {
        content_by_lua_block {
            local x = = 1
        }
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*failed to load inlined Lua code: content_by_lua\(nginx\.conf:(\d+)\):2: unexpected symbol near '=' in \S+nginx\.conf:\1/

=== TEST 9: a syntax error in the legacy form too
--- config
    location = /t {
        content_by_lua 'ngx.say(';
    }
--- must_die
--- error_log eval
qr/failed to load inlined Lua code: content_by_lua\(nginx\.conf:\d+\):1: unexpected symbol near '<eof>'/

=== TEST 10: an unterminated block
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("x")
--- must_die
--- error_log
unexpected end of file, expecting "}"

=== TEST 11: duplicate directives in one location
--- config
    location = /t {
        content_by_lua_block { ngx.say(1) }
        content_by_lua_block { ngx.say(2) }
    }
--- must_die
--- error_log
"content_by_lua_block" directive is duplicate

=== TEST 12: a missing Lua file gives 500 and says why
--- config
    location = /t {
        content_by_lua_file html/missing.lua;
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/failed to load external Lua file "\S+\/html\/missing\.lua": cannot open \S+missing\.lua/

=== TEST 13: a syntax error in a Lua file gives 500
--- user_files
>>> bad.lua
ngx.say(
--- config
    location = /t {
        content_by_lua_file html/bad.lua;
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/failed to load external Lua file "\S+bad\.lua": \S+bad\.lua:2: unexpected symbol near '<eof>'/

=== TEST 14: lua_code_cache off reloads files on every request
--- http_config
    lua_code_cache off;
--- user_files
>>> version.lua
ngx.say("version 1")
--- config
    location = /t {
        content_by_lua_file html/version.lua;
    }
    location = /update {
        content_by_lua_block {
            local f = assert(io.open("$TEST_NGINX_HTML_DIR/version.lua", "w"))
            f:write('ngx.say("version 2")\n')
            f:close()
            ngx.say("updated")
        }
    }
--- request eval
["GET /t", "GET /update", "GET /t"]
--- response_body eval
["version 1\n", "updated\n", "version 2\n"]
--- error_log eval
qr/\[alert\] .*lua_code_cache is off; this will hurt performance in \S+nginx\.conf:\d+/
--- no_repeat: counts the requests since the start

=== TEST 15: with the code cache on, a file is compiled once
--- user_files
>>> version.lua
ngx.say("version 1")
--- config
    location = /t {
        content_by_lua_file html/version.lua;
    }
    location = /update {
        content_by_lua_block {
            local f = assert(io.open("$TEST_NGINX_HTML_DIR/version.lua", "w"))
            f:write('ngx.say("version 2")\n')
            f:close()
            ngx.say("updated")
        }
    }
--- request eval
["GET /t", "GET /update", "GET /t"]
--- response_body eval
["version 1\n", "updated\n", "version 1\n"]

=== TEST 16: lua_code_cache off loads required modules anew for each request
Modules required by init_by_lua* and the built-in ones stay loaded; modules a request
of an `off` location requires start over (module-level state included) and pick up edits.
An `on` location goes on with what the last `off` request loaded.
--- http_config
    lua_package_path "$TEST_NGINX_HTML_DIR/?.lua;;";
    init_by_lua_block {
        from_init = require "init_mod"
        base64_at_init = require "ngx.base64"
    }
--- user_files
>>> counter_mod.lua
local _M = { n = 0, version = 1 }
function _M.bump() _M.n = _M.n + 1 return _M.n end
return _M
>>> init_mod.lua
return { n = 0 }
--- config
    location = /off {
        lua_code_cache off;
        content_by_lua_block {
            local m = require "counter_mod"
            local init_mod = require "init_mod"
            init_mod.n = init_mod.n + 1
            ngx.say("v", m.version, " ", m.bump(), " ", m.bump(), " ", init_mod == from_init, " ",
                    init_mod.n, " ", require("ngx.base64") == base64_at_init)
        }
    }
    location = /on {
        content_by_lua_block {
            ngx.say(require("counter_mod").bump())
        }
    }
    location = /update {
        content_by_lua_block {
            local path = "$TEST_NGINX_HTML_DIR/counter_mod.lua"
            local f = assert(io.open(path))
            local code = f:read("*a"):gsub("version = 1", "version = 2")
            f:close()
            f = assert(io.open(path, "w"))
            f:write(code)
            f:close()
            ngx.say("updated")
        }
    }
--- request eval
["GET /off", "GET /off", "GET /update", "GET /off", "GET /on", "GET /on"]
--- response_body eval
["v1 1 2 true 1 true\n", "v1 1 2 true 2 true\n", "updated\n", "v2 1 2 true 3 true\n", "3\n", "4\n"]
--- error_log
lua_code_cache is off; this will hurt performance
--- no_repeat: counts the requests since the start

=== TEST 17: rewrite and log handlers of the server apply to its locations
--- config
    rewrite_by_lua_block { ngx.log(ngx.WARN, "server-level rewrite") }
    log_by_lua_block { ngx.log(ngx.WARN, "server-level log") }
    location = /t {
        content_by_lua_block { ngx.say("inherited") }
    }
    location = /own {
        rewrite_by_lua_block { ngx.log(ngx.WARN, "location rewrite") }
        content_by_lua_block { ngx.say("own") }
    }
--- request eval
["GET /t", "GET /own"]
--- response_body eval
["inherited\n", "own\n"]
--- grep_error_log eval
qr/(?:server-level|location) \w+/
--- grep_error_log_out
server-level rewrite
server-level log
location rewrite
server-level log

=== TEST 18: rewrite_by_lua runs after the rewrite module, access_by_lua after allow/deny
--- config
    location = /rewrite {
        rewrite_by_lua_block { ngx.log(ngx.ERR, "rewrite_by_lua ran") }
        return 204;
    }
    location = /access {
        deny all;
        access_by_lua_block { ngx.log(ngx.ERR, "access_by_lua ran") }
        content_by_lua_block { ngx.say("must not run") }
    }
--- request eval
["GET /rewrite", "GET /access"]
--- error_code eval
[204, 403]
--- no_error_log
by_lua ran
--- error_log
access forbidden by rule

=== TEST 19: content_by_lua inside if
--- config
    location = /t {
        if ($arg_x) {
            content_by_lua_block { ngx.say("in if") }
        }
        content_by_lua_block { ngx.say("outside if") }
    }
--- request eval
["GET /t?x=1", "GET /t"]
--- response_body eval
["in if\n", "outside if\n"]

=== TEST 20: loading next to ngx_http_lua_module fails with a reason
--- main_config
    load_module /usr/lib/nginx/modules/ndk_http_module.so;
    load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
--- config
    location = /t { return 204; }
--- must_die
--- error_log
ngx_http_lua_ffi_module cannot be loaded together with ngx_http_lua_module

=== TEST 21: a syntax error in access_by_lua_block fails the configuration too
--- config
    location = /t {
        access_by_lua_block { if then end }
    }
--- must_die
--- error_log eval
qr/failed to load inlined Lua code: access_by_lua\(nginx\.conf:\d+\):1: unexpected symbol near 'then'/

=== TEST 22: what init_by_lua builds in the master is inherited by the workers
--- workers: 2
--- http_config
    init_by_lua_block {
        shared_config = { answer = 42, loaded_in = ngx.get_phase() }
    }
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(shared_config.answer, " ", shared_config.loaded_in)
        }
    }
--- request
GET /t
--- response_body
42 init

=== TEST 23: a reload (HUP) gets a fresh Lua VM with init_by_lua run again
--- http_config
    init_by_lua_block { generation = (generation or 0) + 1 }
--- config
    location = /set {
        content_by_lua_block { left_by_request = true ngx.say(generation) }
    }
    location = /hup {
        content_by_lua_block {
            local f = assert(io.open("$TEST_NGINX_PREFIX/logs/nginx.pid"))
            local master = f:read("*n")
            f:close()
            os.execute("kill -HUP " .. master)
            ngx.sleep(1)
            ngx.say("reloaded")
        }
    }
    location = /get {
        content_by_lua_block { ngx.say(generation, " ", tostring(left_by_request)) }
    }
--- request eval
["GET /set", "GET /hup", "GET /get"]
--- response_body eval
["1\n", "reloaded\n", "1 nil\n"]
--- error_log
reconfiguring

=== TEST 24: empty inline code is refused
--- config
    location = /t {
        content_by_lua '';
    }
--- must_die
--- error_log
invalid location config: no runnable Lua code

=== TEST 25: a multi-line legacy string is named after the line it starts on
--- config
    location = /t {
        content_by_lua '
            ngx.say("line two")
            error("line three")
        ';
    }
--- request
GET /t
--- ignore_response
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:31\):3: line three/

=== TEST 26: init_worker_by_lua runs in workers only, not in cache helpers
--- http_config
    proxy_cache_path $TEST_NGINX_PREFIX/cache keys_zone=one:1m;
    init_worker_by_lua_block { ngx.log(ngx.WARN, "init_worker ran in ", ngx.worker.id()) }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- wait: 0.3
--- grep_error_log eval
qr/init_worker ran in \w+/
--- grep_error_log_out
init_worker ran in 0

=== TEST 27: *_by_lua_file paths with nginx variables, evaluated per request
--- user_files
>>> app/hello.lua
ngx.say("hello from ", ngx.var.arg_page)
>>> app/bye.lua
ngx.say("bye")
>>> check.lua
if ngx.var.arg_page == "secret" then ngx.exit(403) end
--- config
    location = /t {
        access_by_lua_file html/check.lua;
        content_by_lua_file html/app/$arg_page.lua;
    }
--- request eval
["GET /t?page=hello", "GET /t?page=bye", "GET /t?page=missing", "GET /t?page=secret"]
--- error_code eval
[200, 200, 500, 403]
--- response_body_like eval
["hello from hello", "bye", "500", "403"]
--- error_log eval
qr/failed to load external Lua file "\S+\/html\/app\/missing\.lua": cannot open/

=== TEST 28: a path that evaluates to nothing is an error, and init phases take paths literally
--- http_config
    init_by_lua_file html/$literal.lua;
--- user_files
>>> $literal.lua
ngx.log(ngx.WARN, "literal path ran")
--- config
    location = /t {
        content_by_lua_file $arg_none;
    }
--- request
GET /t
--- error_code: 500
--- error_log
literal path ran
gives an empty path

=== TEST 29: lua_load_resty_core is accepted, warned of and changes nothing
--- http_config
    lua_load_resty_core off;
--- config
    location = /t {
        content_by_lua_block {
            local loaded = package.loaded["resty.core"]
            ngx.say(loaded ~= nil and loaded == require("resty.core"), " ", (ngx.re.find("abc", "b")))
        }
    }
--- request
GET /t
--- response_body
true 2
--- error_log eval
qr/\[warn\] .*lua_load_resty_core is deprecated \(the lua-resty-core library is required since ngx_lua v0\.10\.16\) in \S+nginx\.conf:\d+/

=== TEST 30: exit_worker_by_lua_block runs as the worker ends, without a request
--- http_config
    lua_shared_dict d 1m;
    init_worker_by_lua_block { ngx.shared.d:set("started", ngx.worker.pid()) }
    exit_worker_by_lua_block {
        local ok, err = pcall(ngx.sleep, 0)
        ngx.log(ngx.WARN, "exit_worker: ", ngx.get_phase(), " ", ngx.shared.d:get("started") == ngx.worker.pid(),
                " ", err)
    }
--- config
    location = /t { content_by_lua_block { ngx.say("ok") } }
--- request
GET /t
--- response_body
ok
--- error_log
exit_worker: exit_worker true API disabled in the context of exit_worker_by_lua*

=== TEST 31: exit_worker_by_lua_file, and an error in it is logged
--- http_config
    exit_worker_by_lua_file html/exit.lua;
--- user_files
>>> exit.lua
ngx.log(ngx.WARN, "exit file ran")
error("exit failed")
--- config
    location = /t { content_by_lua_block { ngx.say("ok") } }
--- request
GET /t
--- response_body
ok
--- error_log eval
[qr/exit file ran/, qr/\[error\] .*exit_worker_by_lua error: .*exit\.lua:2: exit failed/]

=== TEST 32: rewrite_by_lua_no_postpone and access_by_lua_no_postpone run Lua first in its phase
--- http_config
    rewrite_by_lua_no_postpone on;
    access_by_lua_no_postpone on;
--- config
    location = /t {
        set $from_set "set ran";
        rewrite_by_lua_block { ngx.ctx.seen = ngx.var.from_set }
        deny all;
        access_by_lua_block { ngx.say("rewrite saw [", ngx.ctx.seen, "]; access ran before deny") ngx.exit(200) }
    }
--- request
GET /t
--- response_body
rewrite saw []; access ran before deny

=== TEST 33: by default rewrite_by_lua and access_by_lua run last in their phase
--- config
    location = /t {
        set $from_set "set ran";
        rewrite_by_lua_block { ngx.log(ngx.WARN, "rewrite saw [", ngx.var.from_set, "]") }
        deny all;
        access_by_lua_block { ngx.log(ngx.ERR, "access_by_lua must not run after deny") }
    }
--- request
GET /t
--- error_code: 403
--- error_log
access forbidden by rule
rewrite saw [set ran]
--- no_error_log
access_by_lua must not run

=== TEST 34: server_rewrite_by_lua_block runs before the location search, for every request of the server
--- config
    server_rewrite_by_lua_block {
        ngx.ctx.from_server = ngx.get_phase()
        local uri = ngx.var.uri
        if uri == "/old" then
            ngx.req.set_uri("/new")
        elseif uri == "/deny" then
            return ngx.exit(403)
        elseif uri == "/wait" then
            ngx.sleep(0.001)
        elseif uri == "/answer" then
            ngx.say("answered in ", ngx.get_phase())
            return ngx.exit(200)
        end
    }
    location = /new { content_by_lua_block { ngx.say("new ", ngx.ctx.from_server) } }
    location = /wait {
        rewrite_by_lua_block { ngx.ctx.rewrite = ngx.get_phase() }
        content_by_lua_block { ngx.say("wait ", ngx.ctx.from_server, " ", ngx.ctx.rewrite) }
    }
    location = /old { content_by_lua_block { ngx.say("the location of the old URI must not run") } }
--- request eval
["GET /old", "GET /deny", "GET /wait", "GET /answer"]
--- error_code eval
[200, 403, 200, 200]
--- response_body_like eval
["^new server_rewrite\n\\z", "403 Forbidden", "^wait server_rewrite rewrite\n\\z", "^answered in server_rewrite\n\\z"]

=== TEST 35: server_rewrite_by_lua_file at http level applies to every server
--- http_config
    server_rewrite_by_lua_file html/server_rewrite.lua;
--- user_files
>>> server_rewrite.lua
ngx.req.set_header("X-Server-Rewrite", "ran")
--- config
    location = /t { content_by_lua_block { ngx.say(ngx.req.get_headers()["x-server-rewrite"]) } }
--- request
GET /t
--- response_body
ran

=== TEST 36: lua_malloc_trim gives memory back every N requests
--- log_level: debug
--- http_config
    lua_malloc_trim 2;
--- config
    location = /t { return 204; }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- error_code eval
[204, 204, 204, 204, 204]
--- grep_error_log eval
qr/malloc_trim\(1\) returned/
--- grep_error_log_out
malloc_trim(1) returned
malloc_trim(1) returned

=== TEST 37: lua_malloc_trim 0 never trims
--- log_level: debug
--- http_config
    lua_malloc_trim 0;
--- config
    location = /t { return 204; }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- error_code eval
[204, 204, 204]
--- no_error_log
malloc_trim

=== TEST 38: lua_sa_restart (on by default) sets SA_RESTART on the worker's signals
--- http_config
    init_by_lua_block {
        local ffi = require "ffi"
        ffi.cdef[[
            struct test_sigaction { void *handler; unsigned long mask[16]; int flags; void *restorer; };
            int sigaction(int signum, const struct test_sigaction *act, struct test_sigaction *oldact);
        ]]
        function restarts(signo)
            local act = ffi.new("struct test_sigaction")
            assert(ffi.C.sigaction(signo, nil, act) == 0)
            return bit.band(act.flags, 0x10000000) ~= 0
        end
    }
--- config
    location = /t {
        content_by_lua_block {
            -- SIGHUP, SIGUSR1, SIGTERM, SIGQUIT, SIGALRM, SIGPIPE, SIGCHLD
            local out = {}
            for _, signo in ipairs({ 1, 10, 15, 3, 14, 13, 17 }) do
                out[#out + 1] = tostring(restarts(signo))
            end
            ngx.say(table.concat(out, " "))
        }
    }
--- request
GET /t
--- response_body
true true true true true true true

=== TEST 39: lua_sa_restart off leaves the worker's signals as nginx set them
--- http_config
    init_by_lua_block {
        local ffi = require "ffi"
        ffi.cdef[[
            struct test_sigaction { void *handler; unsigned long mask[16]; int flags; void *restorer; };
            int sigaction(int signum, const struct test_sigaction *act, struct test_sigaction *oldact);
        ]]
        function restarts(signo)
            local act = ffi.new("struct test_sigaction")
            assert(ffi.C.sigaction(signo, nil, act) == 0)
            return bit.band(act.flags, 0x10000000) ~= 0
        end
    }
    lua_sa_restart off;
--- config
    location = /t {
        content_by_lua_block {
            -- SIGHUP, SIGUSR1, SIGTERM, SIGQUIT, SIGALRM, SIGPIPE, SIGCHLD
            local out = {}
            for _, signo in ipairs({ 1, 10, 15, 3, 14, 13, 17 }) do
                out[#out + 1] = tostring(restarts(signo))
            end
            ngx.say(table.concat(out, " "))
        }
    }
--- request
GET /t
--- response_body
false false false false false false false

=== TEST 40: without lua_malloc_trim and log_by_lua, requests are not counted
--- log_level: debug
--- config
    location = /plain { content_by_lua_block { ngx.exit(204) } }
--- request eval
[("GET /plain") x 1001]
--- error_code eval
[(204) x 1001]
--- no_error_log
malloc_trim(1) returned

=== TEST 41: lua_thread_cache_max_entries (1024 by default): finished handler threads are reused
--- http_config
    init_by_lua_block { seen_threads = {} }
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.running()
            local reused = seen_threads[1] == co
            seen_threads[1] = co   -- kept alive: a new thread cannot take its place
            ngx.say(reused)
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["false\n", "true\n", "true\n"]
--- no_repeat: the threads of the first run change the answer

=== TEST 42: lua_thread_cache_max_entries 0: every handler gets a new thread
--- http_config
    lua_thread_cache_max_entries 0;
    init_by_lua_block { seen_threads = {} }
--- config
    location = /t {
        content_by_lua_block {
            local co = coroutine.running()
            local reused = seen_threads[1] == co
            seen_threads[1] = co   -- kept alive: a new thread cannot take its place
            ngx.say(reused)
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["false\n", "false\n", "false\n"]

=== TEST 43: a handler is a function LuaJIT compiles: after enough requests its code runs in a trace of its own
A main chunk is a vararg function, which LuaJIT never compiles; handlers are compiled
as functions of fixed arity. (Functions may share a hot counter: the first to get
hot takes it, so each handler runs well past the threshold.)
--- user_files
>>> hot.lua
ngx.print(ngx.var.uri, " ")
--- http_config
    init_worker_by_lua_block { require("jit.v").on() }
--- config
    location = /t {
        content_by_lua_block {
            ngx.print(ngx.var.uri, " ")
        }
    }
    location = /file {
        content_by_lua_file html/hot.lua;
    }
--- request eval
[("GET /t", "GET /file") x 400]
--- response_body eval
[("/t ", "/file ") x 400]
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):0 return\]/,
 qr/\[TRACE\s+\d+ hot\.lua:0 return\]/]
--- no_error_log
NYI

=== TEST 44: a handler still reads as the main chunk (what, lines, tracebacks), also from a file with a "#!" line and a byte order mark; one that uses the chunk's ... keeps its chunk
--- user_files
>>> handler.lua
﻿#!/usr/bin/env luajit
local ok, err = pcall(function()
    error("nested")
end)
ngx.say(debug.getinfo(1, "S").what, " ", err)
--- config
    location = /t {
        content_by_lua_block {
            local info = debug.getinfo(1, "Sl")
            ngx.say(info.what, " ", info.linedefined, " ", info.currentline)
            local ok, err = pcall(function()
                error("nested")
            end)
            ngx.say(err)
        }
    }
    location = /file {
        content_by_lua_file html/handler.lua;
    }
    location = /boom {
        content_by_lua_block {
            local x = 1
            error("boom")
        }
    }
    location = /varargs {
        content_by_lua_block { ngx.say(select("#", ...), " ", debug.getinfo(1, "S").what) }
    }
--- request eval
["GET /t", "GET /file", "GET /boom", "GET /varargs"]
--- error_code eval
[200, 200, 500, 200]
--- response_body_like eval
["^main 0 2\ncontent_by_lua\\(nginx\\.conf:\\d+\\):5: nested\n\\z",
 "^main .*/html/handler\\.lua:3: nested\n\\z",
 "500 Internal Server Error",
 "^0 main\n\\z"]
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):3: boom\nstack traceback:\ncoroutine 0:\n\t\[C\]: in function 'error'\n\tcontent_by_lua\(nginx\.conf:\d+\):3: in main chunk/
