# URI arguments and the URI: ngx.req.get_uri_args, set_uri_args, set_uri,
# ngx.encode_args and ngx.decode_args.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: values, repeated keys, keys without '=', empty values and keys
--- config
    location = /t {
        content_by_lua_block {
            local args = ngx.req.get_uri_args()
            local keys = {}
            for k in pairs(args) do keys[#keys + 1] = k end
            table.sort(keys)
            for _, k in ipairs(keys) do
                local v = args[k]
                if type(v) == "table" then
                    local parts = {}
                    for i, x in ipairs(v) do parts[i] = tostring(x) end
                    v = "{" .. table.concat(parts, ",") .. "}"
                end
                ngx.say("[", k, "]=[", tostring(v), "]")
            end
        }
    }
--- request
GET /t?a=1&b&c=&a=2&a&=x&&d=%41%2b+x&e%20f=%zz%&g=h=i
--- response_body
[a]=[{1,2,true}]
[b]=[true]
[c]=[]
[d]=[A+ x]
[e f]=[%zz%]
[g]=[h=i]

=== TEST 2: no query string
--- config
    location = /t {
        content_by_lua_block { ngx.say(next(ngx.req.get_uri_args()) == nil) }
    }
--- request
GET /t
--- response_body
true

=== TEST 3: the default limit of 100, "truncated", custom limits, no limit
--- config
    location = /t {
        content_by_lua_block {
            local function count(t)
                local n = 0
                for _ in pairs(t) do n = n + 1 end
                return n
            end
            local args, err = ngx.req.get_uri_args()
            ngx.say(count(args), " ", err)
            args, err = ngx.req.get_uri_args(0)
            ngx.say(count(args), " ", tostring(err))
            args, err = ngx.req.get_uri_args(5)
            ngx.say(count(args), " ", err, " ", args.k5, " ", tostring(args.k6))
            args, err = ngx.req.get_uri_args(150)
            ngx.say(count(args), " ", tostring(err))
            local ok
            ok, err = pcall(ngx.req.get_uri_args, "5")
            ngx.say(err)
        }
    }
--- request eval
"GET /t?" . join("&", map { "k$_=$_" } 1 .. 120)
--- response_body
100 truncated
120 nil
5 truncated 5 nil
120 nil
bad argument #1 to 'get_uri_args' (number expected, got string)

=== TEST 4: a long query string (beyond the first decoding buffer)
--- config
    large_client_header_buffers 4 64k;
    location = /t {
        content_by_lua_block {
            local args = ngx.req.get_uri_args(0)
            ngx.say(#args.long, " ", args.last)
        }
    }
--- request eval
"GET /t?long=" . ("x" x 20000) . "&last=1"
--- response_body
20000 1

=== TEST 5: ngx.var.args changes what get_uri_args reads
--- config
    location = /t {
        content_by_lua_block {
            ngx.var.args = "a=3&b=42"
            local args = ngx.req.get_uri_args()
            ngx.say(args.a, " ", args.b, " ", tostring(args.orig))
        }
    }
--- request
GET /t?orig=1
--- response_body
3 42 nil

=== TEST 6: set_uri_args with a string, a number and a table
--- config
    location = /t {
        content_by_lua_block {
            local req = ngx.req
            req.set_uri_args("a=3&b=hello%20world")
            ngx.say(ngx.var.args, " ", req.get_uri_args().b)
            req.set_uri_args(42)
            ngx.say(ngx.var.args)
            req.set_uri_args({ b = { 5, "six", true, false } })
            ngx.say(ngx.var.args)
            req.set_uri_args({ ["k y"] = "v&=/" })
            ngx.say(ngx.var.args, " ", req.get_uri_args()["k y"])
            req.set_uri_args("")
            ngx.say("[", ngx.var.args, "]")
        }
    }
--- request
GET /t?orig=1
--- response_body
a=3&b=hello%20world hello world
42
b=5&b=six&b
k%20y=v%26%3D%2F v&=/
[]

=== TEST 7: set_uri_args: the upstream gets the new query string
--- config
    location = /t {
        rewrite_by_lua_block { ngx.req.set_uri_args({ x = "1 2" }) }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block { ngx.say(ngx.var.args, " ", ngx.req.get_uri_args().x) }
    }
--- request
GET /t?old=1
--- response_body
x=1%202 1 2

=== TEST 8: set_uri_args refuses other types
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function() ngx.req.set_uri_args(true) end)
            ngx.say(err)
            ok, err = pcall(function() ngx.req.set_uri_args({ [1] = "x" }) end)
            ngx.say(err)
            ok, err = pcall(function() ngx.req.set_uri_args({ a = print }) end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'set_uri_args' \(string, number, or table expected, got boolean\)
content_by_lua\(nginx\.conf:\d+\):4: attempt to use a non-string key in the "args" option table
content_by_lua\(nginx\.conf:\d+\):6: attempt to use function as query arg value$

=== TEST 9: set_uri rewrites the URI without a jump
--- config
    location = /t {
        rewrite_by_lua_block { ngx.req.set_uri("/echo/new path") }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo/ {
        content_by_lua_block { ngx.say(ngx.var.uri, " ", ngx.var.request_uri, " ", ngx.var.args) }
    }
--- request
GET /t?a=1
--- response_body
/echo/new path /echo/new%20path?a=1 a=1

=== TEST 10: set_uri in content: $uri changes, is_internal becomes true
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.set_uri("/other")
            ngx.say(ngx.var.uri, " ", ngx.req.is_internal())
        }
    }
--- request
GET /t
--- response_body
/other true

=== TEST 11: set_uri errors
--- config
    location = /t {
        rewrite_by_lua_block {
            local function try(...)
                local ok, err = pcall(function(...) ngx.req.set_uri(...) end, ...)
                ngx.ctx[#ngx.ctx + 1] = err
            end
            try("")
            try({})
            try("/a\r\nb")
            try("/a", "yes")
            try("/a", false, 1)
        }
        content_by_lua_block {
            for _, err in ipairs(ngx.ctx) do ngx.say(err) end
            local ok, err = pcall(function() ngx.req.set_uri("/a", true) end)
            ngx.say(err)
            ngx.req.set_uri("/bin\r\nary", false, true)
            ngx.say(#ngx.var.uri)
        }
    }
--- request
GET /t
--- response_body_like chomp
^rewrite_by_lua\(nginx\.conf:\d+\):3: attempt to use zero-length uri
rewrite_by_lua\(nginx\.conf:\d+\):3: bad argument #1 to 'set_uri' \(string expected, got table\)
rewrite_by_lua\(nginx\.conf:\d+\):3: unsafe byte "0x0d" in uri "/a\\x0D\\x0Ab" \(maybe you want to set the 'binary' argument\?\)
rewrite_by_lua\(nginx\.conf:\d+\):3: bad argument #2 to 'set_uri' \(boolean expected, got string\)
rewrite_by_lua\(nginx\.conf:\d+\):3: bad argument #3 to 'set_uri' \(boolean expected, got number\)
content_by_lua\(nginx\.conf:\d+\):3: API disabled in the context of content_by_lua\*
9$

=== TEST 12: set_uri with jump in rewrite: the handler ends, nginx searches the locations again
--- config
    location = /t {
        rewrite_by_lua_block {
            ngx.req.set_uri("/jumped", true)
            ngx.log(ngx.ERR, "not reached after the jump")
        }
        content_by_lua_block { ngx.say("content of /t must not run") }
    }
    location = /after-wait {
        rewrite_by_lua_block { ngx.sleep(0.001) ngx.req.set_uri("/jumped", true) }
        content_by_lua_block { ngx.say("content of /after-wait must not run") }
    }
    location = /jumped {
        content_by_lua_block { ngx.say(ngx.var.uri, " ", ngx.var.args, " ", ngx.req.is_internal()) }
    }
    location = /loop {
        rewrite_by_lua_block { ngx.req.set_uri("/loop", true) }
    }
--- request eval
["GET /t?a=1", "GET /after-wait?b=2", "GET /loop"]
--- error_code eval
[200, 200, 500]
--- response_body_like eval
["^/jumped a=1 true\n\\z", "^/jumped b=2 true\n\\z", "500 Internal Server Error"]
--- error_log
rewrite or internal redirection cycle while processing "/loop"
--- no_error_log
not reached

=== TEST 13: encode_args
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.encode_args({ foo = 3 }))
            ngx.say(ngx.encode_args({ ["b r"] = "hello world" }))
            ngx.say(ngx.encode_args({ baz = { 32, "hello" } }))
            ngx.say(ngx.encode_args({ a = true }), "|", ngx.encode_args({ a = false }), "|",
                    ngx.encode_args({ a = {} }), "|", ngx.encode_args({}))
            ngx.say(ngx.encode_args({ e = "~-._*'()!\226\130\172" }))
            local s = ngx.encode_args({ x = "1", y = "2" })
            ngx.say(s == "x=1&y=2" or s == "y=2&x=1")
        }
    }
--- request
GET /t
--- response_body
foo=3
b%20r=hello%20world
baz=32&baz=hello
a|||
e=~-._*'()!%E2%82%AC
true

=== TEST 14: encode_args refuses bad input
--- config
    location = /t {
        content_by_lua_block {
            for _, bad in ipairs({ "x", { [1] = "v" }, { a = print }, { a = { {} } } }) do
                local ok, err = pcall(function() local s = ngx.encode_args(bad) return s end)
                ngx.say(err)
            end
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):3: bad argument #1 to 'encode_args' \(table expected, got string\)
content_by_lua\(nginx\.conf:\d+\):3: attempt to use a non-string key in the "args" option table
content_by_lua\(nginx\.conf:\d+\):3: attempt to use function as query arg value
content_by_lua\(nginx\.conf:\d+\):3: attempt to use table as query arg value$

=== TEST 15: decode_args and its limit
--- config
    location = /t {
        content_by_lua_block {
            local args = ngx.decode_args("a=1&a=2&b=x+y%21&c&=skip")
            ngx.say(table.concat(args.a, ","), " ", args.b, " ", tostring(args.c), " ",
                    tostring(args[""]))
            local long = {}
            for i = 1, 150 do long[i] = "k" .. i .. "=" .. i end
            local t, err = ngx.decode_args(table.concat(long, "&"))
            local n = 0
            for _ in pairs(t) do n = n + 1 end
            ngx.say(n, " ", err)
            t, err = ngx.decode_args(table.concat(long, "&"), 0)
            n = 0
            for _ in pairs(t) do n = n + 1 end
            ngx.say(n, " ", tostring(err))
            t, err = ngx.decode_args("a=1&b=2", 1)
            ngx.say(t.a, " ", tostring(t.b), " ", err)
            ngx.say(next(ngx.decode_args("")) == nil, " ", ngx.decode_args(42)["42"])
            local ok
            ok, err = pcall(function() local t = ngx.decode_args(nil) return t end)
            ngx.say(err)
            ok, err = pcall(function() local t = ngx.decode_args("a", "1") return t end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^1,2 x y! true nil
100 truncated
150 nil
1 nil truncated
true true
content_by_lua\(nginx\.conf:\d+\):\d+: bad argument #1 to 'decode_args' \(string expected, got nil\)
content_by_lua\(nginx\.conf:\d+\):\d+: bad argument #2 to 'decode_args' \(number expected, got string\)$

=== TEST 16: encode_args and decode_args need no request; the others do
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: ", ngx.encode_args({ a = "b c" }), " ", ngx.decode_args("x=1").x)
        for _, name in ipairs({ "get_uri_args", "set_uri_args", "set_uri" }) do
            local ok, err = pcall(ngx.req[name], "/x")
            ngx.log(ngx.WARN, name, ": ", err)
        end
    }
--- config
    location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- error_log eval
[qr/init: a=b%20c 1/,
 qr/get_uri_args: no request found/,
 qr/set_uri_args: no request object found/,
 qr/set_uri: no request found/]

=== TEST 17: the calls are JIT-compiled (encode_args: its loop over the table)
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local req = ngx.req
            local n = 0
            for i = 1, 300 do
                n = n + #req.get_uri_args().a
            end
            for i = 1, 300 do
                n = n + #ngx.decode_args("x=12&y").x
            end
            for i = 1, 300 do
                req.set_uri_args("a=1")
            end
            for i = 1, 300 do
                req.set_uri("/t")
            end
            for i = 1, 300 do
                n = n + #ngx.encode_args({ k = "v w" })
            end
            -- Alternating the limit decodes the query string anew: the key-shape path.
            for i = 1, 300 do
                n = n + #req.get_uri_args(99 + i % 2).a
            end
            ngx.say(n)
        }
    }
--- request
GET /t?a=xyz&b=2
--- response_body
3900
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:args|base)\.lua:\d+ -> \d+\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:args|base)\.lua:\d+ -> \d+\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):11 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):14 loop\]/,
 qr/\[TRACE\s+\d+ args\.lua:\d+ loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):21 (?:loop|-> \d+)\]|\[TRACE\s+\d+ \(\d+\/\d+\) (?:args|base)\.lua:\d+ -> \d+\]/]
--- no_error_log
NYI

=== TEST 18: repeated calls hand out independent tables that follow changes
--- config
    location = /t {
        content_by_lua_block {
            local get = ngx.req.get_uri_args
            local first, second = get(), get()
            second.a[1] = "changed"
            second.b = "changed"
            local third = get()
            ngx.say(first ~= second, " ", third.a[1], " ", third.b)
            ngx.req.set_uri_args("b=new")
            ngx.say(get().b, " ", get().b, " ", tostring(get().a))
            ngx.var.args = "b=var"
            ngx.say(get().b, " ", get().b)
            local t, err = get(1)
            ngx.say(t.b, " ", tostring(err))
        }
    }
--- request
GET /t?a=1&a=2&b=x
--- response_body
true 1 x
new new nil
var var
var nil

=== TEST 19: a table made again for the same keys follows the values and stays the caller's
--- config
    location = /t {
        content_by_lua_block {
            local get, set = ngx.req.get_uri_args, ngx.req.set_uri_args
            -- Alternating the limit makes each call decode the query string anew.
            local first = get(100)
            set("a=2&b&c=")
            local second = get(99)
            second.a = "mine"
            second.extra = true
            set("a=3&b=x&c")
            local third = get(100)
            ngx.say(first.a, " ", tostring(first.b), " ", first.c, " | ", second.a, " ",
                    tostring(second.b), " [", second.c, "] | ", third.a, " ", third.b, " ",
                    tostring(third.c), " ", tostring(third.extra))
            set("a=1&a=2")
            local multi = get(99)
            multi.a[1] = "mine"
            ngx.say(table.concat(get(100).a, ","))
            local d1 = ngx.decode_args("k=1&v")
            d1.k = "mine"
            local d2 = ngx.decode_args("k=2&v=")
            local d3 = ngx.decode_args("k=2&v=")
            ngx.say(d2.k, " [", d2.v, "] ", d2 ~= d3, " ", tostring(ngx.decode_args("k=1&v").v))
        }
    }
--- request
GET /t?a=1&b=1&c=1
--- response_body
1 1 1 | mine true [] | 3 x true nil
1,2
2 [] true true

=== TEST 20: set_uri_args escapes control bytes, spaces and DEL of a string (the proxied request line stays valid), and of table keys and values
--- config
    location = /t {
        rewrite_by_lua_block {
            local which = ngx.var.arg_which
            if which == "string" then
                ngx.req.set_uri_args("a\rb\nc\0d e\127&f=%41")
            else
                ngx.req.set_uri_args({ ["k\r"] = "v\n\0" })
            end
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        content_by_lua_block { ngx.say(ngx.var.args) }
    }
--- request eval
["GET /t?which=string", "GET /t?which=table"]
--- response_body eval
["a%0Db%0Ac%00d%20e%7F&f=%41\n", "k%0D=v%0A%00\n"]

=== TEST 21: get_uri_args(max, tab) fills the caller's table, cleared first (lua-resty-core 0.1.31), also from the kept copy, with "truncated"; a non-table refused
--- config
    location = /t {
        content_by_lua_block {
            local mine = { stale = "x", a = "old" }
            local args, err = ngx.req.get_uri_args(3, mine)
            ngx.say(args == mine, " ", tostring(mine.stale), " ", mine.a, " ", #mine.b, " ", err)
            mine.extra = 1
            args, err = ngx.req.get_uri_args(3, mine)
            ngx.say(args == mine, " ", tostring(mine.extra), " ", mine.a, " ", mine.b[2], " ", err)
            args, err = ngx.req.get_uri_args(nil, {})
            ngx.say(args.c, " ", tostring(err))
            local ok, e = pcall(function() local r = ngx.req.get_uri_args(nil, "t") return r end)
            ngx.say(e)
        }
    }
--- request
GET /t?a=1&b=2&b=3&c=4
--- response_body_like chomp
^true nil 1 2 truncated
true nil 1 3 truncated
4 nil
content_by_lua\(nginx\.conf:\d+\):\d+: bad argument #2 to 'get_uri_args' \(table expected, got string\)
\z

=== TEST 22: get_uri_args(max, tab) is JIT-compiled: the copy into the table is a loop trace, the rest of the call and the caller's loop side traces linked to it
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local get_uri_args = ngx.req.get_uri_args
            local mine = {}
            local n = 0
            for i = 1, 300 do
                n = n + #get_uri_args(nil, mine).a
            end
            ngx.say(n)
        }
    }
--- request
GET /t?a=xyz&b=2
--- response_body
900
--- error_log eval
[qr/\[TRACE\s+\d+ args\.lua:\d+ loop\]/, qr/\[TRACE\s+\d+ \(\d+\/\d+\) args\.lua:\d+ -> \d+\]/]
--- no_error_log
NYI
