# ngx.re.match, find, gmatch, sub, gsub, the ngx.re module (split, opt) and the
# lua_regex_* directives.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: match with captures, unmatched groups are false
--- config
    location = /t {
        content_by_lua_block {
            local m = ngx.re.match("hello, 1234", "([0-9])([0-9]+)")
            ngx.say(m[0], " ", m[1], " ", m[2], " ", #m)
            m = ngx.re.match("hello", "(h)(x)?(e)")
            ngx.say(m[0], " ", m[1], " ", m[2], " ", m[3])
            m = ngx.re.match("hello", "(x)?(h)")
            ngx.say(tostring(m[1]), " ", m[2])
            ngx.say(ngx.re.match("hello", "x"))
            -- groups after the last one that took part, with and without the JIT
            for _, opts in ipairs({"", "jo"}) do
                m = ngx.re.match("hello", "(h)(x)?(y)?", opts)
                ngx.say(m[0], " ", m[1], " ", m[2], " ", m[3], " ", #m)
            end
        }
    }
--- request
GET /t
--- response_body
1234 1 234 2
he h false e
false h
nil
h h false false 3
h h false false 3

=== TEST 2: named captures, also with duplicate names (D)
--- config
    location = /t {
        content_by_lua_block {
            local m = ngx.re.match("1234", "(?<first>[a-z]*)([0-9]+)")
            ngx.say("[", m.first, "] [", m[1], "] ", m[2])
            m = ngx.re.match("hello", "(?<first>h)(?<second>x)?")
            ngx.say(m.first, " ", m.second)
            m = ngx.re.match("hello", "(?<n>h)(?<n>e)", "D")
            ngx.say(table.concat(m.n, ","))
            m = ngx.re.match("hello", "(?<n>x)?(?<n>e)", "D")
            ngx.say(#m.n, " ", m.n[1])
            m = ngx.re.match("hello", "(?<n>h)(?<n>e)")
            ngx.say(m)
        }
    }
--- request
GET /t
--- response_body
[] [] 1234
h false
h,e
1 e
nil

=== TEST 3: every option letter
--- config
    location = /t {
        content_by_lua_block {
            local match = ngx.re.match
            ngx.say(match("hello", "HEL", "i")[0])
            ngx.say(match("a\nb", "^b", "m")[0])
            ngx.say(match("a\nb", "a.b", "s") ~= nil, " ", match("a\nb", "a.b") ~= nil)
            ngx.say(match("hello", "l l # comment", "x")[0])
            ngx.say(match("hello", "ell", "a"), " ", match("hello", "hel", "a")[0])
            ngx.say(match("hello", "l+", "d")[0], " ", match("hello", "(l)+", "d")[1])
            ngx.say(match("你好", ".", "u")[0], " ", match("你好", ".", "U")[0])
            ngx.say(match("hello", "l", "jo")[0], " ", match("hello", "l", "J")[0])
            ngx.say(match("ab", "\\u0062", "J")[0])
            ngx.say(pcall(match, "x", ".", "H"))
            ngx.say(pcall(match, "x", ".", "Hm"))
        }
    }
--- request
GET /t
--- response_body_like chomp
^hel
b
true false
ll
nil hel
ll nil
你 你
l l
b
falseunknown flag "H" \(flags "H"\)
falseunknown flag "H" \(flags "Hm"\)
$

=== TEST 4: ctx.pos and the res table
--- config
    location = /t {
        content_by_lua_block {
            local ctx = {}
            local m = ngx.re.match("hello", "l+", nil, ctx)
            ngx.say(m[0], " ", ctx.pos)
            ctx = { pos = 4 }
            ngx.say(ngx.re.match("hello", "l", nil, ctx)[0], " ", ctx.pos)
            ctx = { pos = 5 }
            ngx.say(ngx.re.match("hello", "l", nil, ctx), " ", ctx.pos)
            ngx.say(ngx.re.match("hello", "l", nil, { pos = -3 })[0])
            ngx.say(ngx.re.match("hello", "l", nil, { pos = 7 }))
            local t = {}
            m = ngx.re.match("hello", "(h)(e)", nil, nil, t)
            ngx.say(m == t, " ", t[0], t[1], t[2])
        }
    }
--- request
GET /t
--- response_body
ll 5
l 5
nil 5
l
nilpcre_exec() failed: -33
true hehe

=== TEST 5: subjects and patterns that are not strings
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.match(nil, "nil")[0], " ", ngx.re.match(123, "2")[0])
            local ok, err = pcall(ngx.re.match, "x", nil)
            ngx.say(err)
            ok, err = pcall(ngx.re.find, "x", 1)
            ngx.say(err)
            ok, err = pcall(ngx.re.gsub, "x", {}, "y")
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
nil 2
bad argument #2 to 'match' (string expected, got nil)
bad argument #2 to 'find' (string expected, got number)
bad argument #2 to 'gsub' (string expected, got table)

=== TEST 6: argument errors name the caller's line
--- config
    location = /t {
        content_by_lua_block {
            local ok, err = pcall(function()
                local m = ngx.re.match("x", ".", "Z")
                return m
            end)
            ngx.say(err)
            ok, err = pcall(function()
                local s = ngx.re.gsub("x", nil, "y")
                return s
            end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
^content_by_lua\(nginx\.conf:\d+\):3: unknown flag "Z" \(flags "Z"\)
content_by_lua\(nginx\.conf:\d+\):8: bad argument #2 to 'gsub' \(string expected, got nil\)
$

=== TEST 7: compile errors are returned, in PCRE2's words
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("x", "("))
            ngx.say(ngx.re.find("x", "a{2,1}"))
            ngx.say(ngx.re.gmatch("x", "["))
            ngx.say(ngx.re.gsub("x", "(", "y", "jo"))
            ngx.say(require("ngx.re").split("x", "("))
        }
    }
--- request
GET /t
--- response_body
nilpcre2_compile() failed: missing closing parenthesis in "("
nilnilpcre2_compile() failed: numbers out of order in {} quantifier in "a{2,1}" at "}"
nilpcre2_compile() failed: missing terminating ] for character class in "["
nilnilpcre2_compile() failed: missing closing parenthesis in "("
nilpcre2_compile() failed: missing closing parenthesis in "("

=== TEST 8: invalid UTF-8 with u is an error, with U it is not checked
--- config
    location = /t {
        content_by_lua_block {
            local bad = string.sub("你好", 1, 4)
            ngx.say(ngx.re.match(bad, "好", "u"))
            ngx.say(ngx.re.find(bad, "x", "U"))
            ngx.say(ngx.re.gsub("你好", "", "-", "u"))
        }
    }
--- request
GET /t
--- response_body
nilpcre_exec() failed: -4
nil
-你-好-3

=== TEST 9: find, with nth
--- config
    location = /t {
        content_by_lua_block {
            local find = ngx.re.find
            ngx.say(find("hello, 1234", "([0-9])[0-9]+"))
            ngx.say(find("hello, 1234", "([0-9])([0-9]+)", "jo", nil, 2))
            ngx.say(find("hello, 1234", "([0-9])([0-9]+)", "jo", nil, 1))
            ngx.say(find("hello, 1234", "([0-9])([0-9]+)", "jo", nil, 3))
            ngx.say(find("hello", "(x)?h", "jo", nil, 1))
            ngx.say(find("hello", "h(x)?", "jo", nil, 1))
            ngx.say(find("hello", ""))
            local ctx = { pos = 5 }
            ngx.say(find("hello", "l", nil, ctx), " ", ctx.pos)
        }
    }
--- request
GET /t
--- response_body
811
911
88
nilnilnth out of bound
nilnil
nilnil
10
nil 5

=== TEST 10: gmatch
--- config
    location = /t {
        content_by_lua_block {
            for m in ngx.re.gmatch("hello world", "([a-z])([a-z]+)", "j") do
                ngx.print(m[0], "/", m[1], "/", m[2], " ")
            end
            ngx.say()
            local it = ngx.re.gmatch("hello", "l*")
            for _ = 1, 5 do
                local m = it()
                ngx.print("[", m and m[0], "]")
            end
            ngx.say(" ", it())
            for m in ngx.re.gmatch("你好", "", "u") do ngx.print("<", m[0], ">") end
            ngx.say()
            it = ngx.re.gmatch(string.sub("你好", 1, 4), ".", "u")
            ngx.say(it())
        }
    }
--- request
GET /t
--- response_body
hello/h/ello world/w/orld 
[][][ll][][] nil
<><><>
nilpcre_exec() failed: -4

=== TEST 11: sub and gsub with templates
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.sub("hello, world", "o", "0"))
            ngx.say(ngx.re.gsub("hello, world", "o", "0"))
            ngx.say(ngx.re.gsub("hello, world", "([a-z])([a-z]+)", "[$2$1]"))
            ngx.say(ngx.re.sub("b c d", "(b) (c)", "[$0] [$1] [${2}] [$3] [${134}]"))
            ngx.say(ngx.re.sub("hello, world", "[a-z]+", "ho$$wdy"))
            ngx.say(ngx.re.gsub("hello", "(?<l>l)", "<${l}$l>"))
            ngx.say(ngx.re.gsub("hello", "x", "y"))
            ngx.say(ngx.re.gsub("abc", "", "-"))
            ngx.say(ngx.re.gsub("abc", "b*", "-"))
            ngx.say(ngx.re.gsub("", "", "-"))
            ngx.say(ngx.re.gsub("hello", "l", 5))
            ngx.say(ngx.re.gsub(12321, "2", "x"))
            ngx.say(ngx.re.gsub("hello", "l", "x", "d"))
        }
    }
--- request
GET /t
--- response_body
hell0, world1
hell0, w0rld2
[elloh], [orldw]2
[b c] [b] [c] [] [] d1
ho$wdy, world1
he<ll><ll>o2
hello0
-a-b-c-4
-a--c-4
-1
he55o2
1x3x12
hexxo2

=== TEST 12: gsub skips the searches no match can start in, and only those
The byte every match starts with is looked for before each search, in both cases of a
letter: each result is compared with string.gsub's on subjects that have it at every
place (or only before where the search starts, or nowhere), short and long.
--- config
    location = /t {
        content_by_lua_block {
            local rep = string.rep
            local checks = {
                -- regex, options, string.gsub pattern for the same matches
                { "o", "jo", "o" },
                { "(o)", "", "o" },
                { "o", "ji", "[oO]" },
                { "(?i)o", "jo", "[oO]" },
                { "@", "jo", "@" },
                { "`", "jo", "`" },
                { "ox", "jo", "ox" },
                { "o", "ju", "o" },
            }
            local mismatches, cases = 0, 0
            for _, check in ipairs(checks) do
                local regex, opts, lua_pattern = check[1], check[2], check[3]
                for before = 0, 20 do
                    for after = 0, 20 do
                        for _, mid in ipairs({ "o", "O", "@", "`", "ox", "oo", "" }) do
                            local subj = rep("x", before) .. mid .. rep("y", after)
                            local got, n = ngx.re.gsub(subj, regex, "<$0>", opts)
                            local want, wn = string.gsub(subj, lua_pattern, "<%0>")
                            cases = cases + 1
                            if got ~= want or n ~= wn then
                                mismatches = mismatches + 1
                                ngx.say(regex, " ", opts, " on ", subj, ": ", got, " ", n, " want ", want, " ", wn)
                            end
                        end
                    end
                end
            end
            ngx.say(cases, " cases, ", mismatches, " mismatches")
            ngx.say(ngx.re.gsub("x\195\169o\195\169", "\195\169", "E", "ju"))
        }
    }
--- request
GET /t
--- response_body
24696 cases, 0 mismatches
xEoE2

=== TEST 13: bad templates are refused, the reason logged
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.sub("b c d", "(b) (c)", "[$0] [${134"))
            ngx.say(ngx.re.sub("b c d", "(b) (c)", "[$0] [${", "o"))
            ngx.say(ngx.re.sub("b c d", "(b) (c)", "[$"))
            ngx.say(ngx.re.sub("b c d", "(b) (c)", "$nope"))
        }
    }
--- request
GET /t
--- response_body
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
--- error_log
the closing bracket in "134" variable is missing
lua script: invalid capturing variable name found in "[$0] [${"
lua script: invalid capturing variable name found in "[$"
unknown named capturing variable "nope"

=== TEST 14: sub and gsub with a function
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "l", function(m) return "[" .. m[0] .. "]" end))
            ngx.say(ngx.re.sub("hello", "l", function(m) return "L" end))
            ngx.say(ngx.re.gsub("hello", "(?<c>[el])", function(m) return m.c:upper() end, "jo"))
            ngx.say(ngx.re.gsub("hello", "l", function() return nil end))
            ngx.say(ngx.re.gsub("hello", "x", function() return "y" end))
            -- the callback may use ngx.re itself, the same cached regex included
            ngx.say(ngx.re.gsub("a1b2", "[0-9]", function(m)
                return ngx.re.gsub("x" .. m[0], "[0-9]", "<$0>", "jo")
            end, "jo"))
            local ok, err = pcall(ngx.re.gsub, "hello", "l", function() error("boom", 0) end)
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
he[l][l]o2
heLlo1
hELLo3
henilnilo2
hello0
ax<1>bx<2>2
false boom

=== TEST 15: large subjects and results outgrow the scratch buffer
--- config
    location = /t {
        content_by_lua_block {
            local s = string.rep("ab", 100000)
            local r, n = ngx.re.gsub(s, "b", "xyz", "jo")
            ngx.say(#r, " ", n, " ", r:sub(1, 8))
            r, n = ngx.re.gsub(s, "a", function() return "" end)
            ngx.say(#r, " ", n)
            local parts = require("ngx.re").split(s, "a")
            ngx.say(#parts)
        }
    }
--- request
GET /t
--- response_body
400000 100000 axyzaxyz
100000 100000
100001

=== TEST 16: split
--- config
    location = /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local function show(...)
                local res, err = split(...)
                if not res then return ngx.say("error: ", err) end
                local out = {}
                for i = 1, 6 do out[i] = tostring(res[i]) end
                ngx.say(table.concat(out, ","))
            end
            show("a,b,c,d", ",")
            show("a,b,c,d", "(,)")
            show("a,b,c,d", ",", nil, { pos = 5 })
            show("a,b,c,d", ",", nil, nil, 3)
            show("a,b,,,", ",")
            show("a,b,,,", ",", nil, nil, 10)
            show(",a,", ",")
            show("abcd", "")
            show("a1b22c3", "(\\d)+")
            show("", ",")
            show("a, b,c ,d", "\\s*,\\s*", "jo")
            show("a,b", ",", nil, nil, nil, { "W", "X", "Y", "Z" })
            ngx.say(pcall(split, "a,b", ",", nil, nil, nil, "x"))
        }
    }
--- request
GET /t
--- response_body_like chomp
^a,b,c,d,nil,nil
a,,,b,,,c,,
c,d,nil,nil,nil,nil
a,b,c,d,nil,nil,nil
a,b,nil,nil,nil,nil
a,b,,,,nil
,a,nil,nil,nil,nil
a,b,c,d,nil,nil
a,1,b,2,c,3
nil,nil,nil,nil,nil,nil
a,b,c,d,nil,nil
a,b,nil,Z,nil,nil
falseres is not a table
$

=== TEST 17: ngx.re.opt
--- config
    location = /t {
        content_by_lua_block {
            local re = require "ngx.re"
            ngx.say(pcall(re.opt, "nope", 1))
            ngx.say(pcall(re.opt, "jit_stack_size", 256 * 1024))
            ngx.say(ngx.re.match("hello", "l+", "jo")[0])
            ngx.say(pcall(re.opt, "jit_stack_size", 256 * 1024))
        }
    }
--- request
GET /t
--- response_body_like chomp
^falseunrecognized option name
true
ll
falsechanging jit stack size is not allowed when some regexs have already been compiled and cached
$
--- no_repeat: changes a per-worker option for the requests after it

=== TEST 18: JIT compilation of patterns (j) is logged at debug level
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("hello", "l+", "j")[0])
        }
    }
--- request
GET /t
--- response_body
ll
--- log_level: debug
--- error_log
pcre JIT compiling result: 1

=== TEST 19: a catastrophic pattern hits the match limit instead of freezing
--- http_config
    lua_regex_match_limit 100000;
--- config
    location = /t {
        content_by_lua_block {
            local s = string.rep("a", 40) .. "b"
            ngx.say(ngx.re.match(s, "^(a|aa)+$"))
            ngx.say(ngx.re.find(s, "^(a|aa)+$", "j"))
            ngx.say(ngx.re.gsub(s, "^(a|aa)+$", "x"))
            ngx.say(ngx.re.match("aaa", "^(a|aa)+$")[0])
        }
    }
--- request
GET /t
--- response_body
nilpcre_exec() failed: -47
nilnilpcre_exec() failed: -47
nilnilpcre_exec() failed: -47
aaa

=== TEST 20: without lua_regex_match_limit, PCRE2's default limit still applies
--- config
    location = /t {
        content_by_lua_block {
            local s = string.rep("a", 60) .. "b"
            ngx.say(ngx.re.match(s, "^(a|aa)+$", "j"))
        }
    }
--- request
GET /t
--- response_body
nilpcre_exec() failed: -47

=== TEST 21: the compile-once cache is bounded and warns once when full
--- http_config
    lua_regex_cache_max_entries 2;
--- config
    location = /t {
        content_by_lua_block {
            for i = 1, 5 do
                ngx.re.match("a" .. i, "a" .. i, "o")
            end
            ngx.say(ngx.re.gsub("a1", "a", "b", "o"))
            ngx.say(ngx.re.match("a5", "a5", "o")[0])
        }
    }
--- request
GET /t
--- response_body
b11
a5
--- grep_error_log eval
qr/lua exceeding regex cache max entries \(\d+\)/
--- grep_error_log_out
lua exceeding regex cache max entries (2)

=== TEST 22: lua_regex_cache_max_entries 0 caches nothing
--- http_config
    lua_regex_cache_max_entries 0;
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("hello", "l+", "jo")[0])
            ngx.say(pcall(require("ngx.re").opt, "jit_stack_size", 65536))
        }
    }
--- request
GET /t
--- response_body
ll
true
--- error_log
lua exceeding regex cache max entries (0)

=== TEST 23: bad directive values
--- http_config
    lua_regex_match_limit abc;
--- must_die
--- error_log
"lua_regex_match_limit" directive invalid number

=== TEST 24: ngx.re works in init_by_lua, init_worker_by_lua and log_by_lua
--- http_config
    init_by_lua_block {
        local m = ngx.re.match("init", "i(n)", "jo")
        ngx.log(ngx.WARN, "init: ", m[1], " ", ngx.re.gsub("init", "i", "I"))
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: ", ngx.re.find("worker", "k"))
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", table.concat(require("ngx.re").split("a-b", "-"), "+"))
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: n InIt2
init_worker: 44
log: a+b

=== TEST 25: OpenResty's regex ABI works for code that binds it
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            local C = ffi.C
            require "resty.core.regex"
            ngx.say(ffi.string(C.ngx_http_lua_ffi_pcre_version()):match("^10%.") ~= nil)
            ngx.say(C.ngx_http_lua_ffi_max_regex_cache_size())
            local err = ffi.new("unsigned char[128]")
            local re = C.ngx_http_lua_ffi_compile_regex("(b)(?<x>c)", 10, 4, 0, err, 128)
            ngx.say(re.ncaptures, " ", re.name_count, " ", ffi.string(re.name_table + 2))
            local rc = C.ngx_http_lua_ffi_exec_regex(re, 4, "abcd", 4, 0)
            ngx.say(rc, " ", re.captures[0], " ", re.captures[1], " ", re.captures[4], " ", re.captures[5])
            ngx.say(C.ngx_http_lua_ffi_compile_replace_template(re, "[$2$1]", 6), " ", re.replace.lengths ~= nil)
            local e = C.ngx_http_lua_ffi_create_script_engine()
            C.ngx_http_lua_ffi_init_script_engine(e, "abcd", re, rc)
            local n = C.ngx_http_lua_ffi_script_eval_len(e, re.replace)
            local buf = ffi.new("unsigned char[?]", n)
            C.ngx_http_lua_ffi_script_eval_data(e, re.replace, buf)
            ngx.say(ffi.string(buf, n))
            C.ngx_http_lua_ffi_destroy_script_engine(e)
            C.ngx_http_lua_ffi_compile_replace_template(re, "plain", 5)
            ngx.say(re.replace.lengths == nil, " ", ffi.string(re.replace.value.data, re.replace.value.len))
            C.ngx_http_lua_ffi_destroy_regex(re)
            re = C.ngx_http_lua_ffi_compile_regex("(", 1, 0, 0, err, 16)
            ngx.say(re == nil, " ", ffi.string(err))
        }
    }
--- request
GET /t
--- response_body
true
1024
2 1 x
3 1 3 2 3
0 true
[cb]
true plain
true pcre2_compile()
--- no_error_log
[error]

=== TEST 26: ngx.re.match and ngx.re.find are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local match, find = ngx.re.match, ngx.re.find
            local n = 0
            for i = 1, 300 do
                local m = match("hello world", [[(\w+) (?<w>\w+)]], "jo")
                if m.w == "world" then n = n + 1 end
            end
            for i = 1, 300 do
                local from, to = find("hello world", "wor", "jo")
                n = n + to - from
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
900
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):9 loop\]/]
--- no_error_log
NYI

=== TEST 27: ngx.re.sub and ngx.re.gsub are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local sub, gsub = ngx.re.sub, ngx.re.gsub
            local upper = function(m) return m[0]:upper() end
            local s
            for i = 1, 300 do
                s = gsub("hello world", "(o)", "<$1>", "jo")
            end
            ngx.say(s)
            for i = 1, 300 do
                s = sub("hello world", "o", upper, "jo")
            end
            ngx.say(s)
        }
    }
--- request
GET /t
--- response_body
hell<o> w<o>rld
hellO world
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):6 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):10 loop\]/]
--- no_error_log
NYI

=== TEST 28: ngx.re.gmatch is JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local gmatch = ngx.re.gmatch
            local n = 0
            for i = 1, 300 do
                local it = gmatch("a1b2", "[0-9]", "jo")
                n = n + #it()[0] + #it()[0]
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
600
--- error_log eval
qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/
--- no_error_log
NYI

=== TEST 29: ngx.re.split is JIT-compiled (its loop over matches is the root trace)
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local split = require("ngx.re").split
            local n, res = 0, {}
            for i = 1, 300 do
                n = n + #split("a,b,c", ",", "jo", nil, nil, res)
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
900
--- error_log eval
qr/\[TRACE\s+\d+ re\.lua:\d+ loop\]/
--- no_error_log
NYI

=== TEST 30: match and find with groups that did not take part are JIT-compiled
Each capture is collected inside the match's own code: a capture function of its
own got hot before the caller's loop, and the side traces of its exits (an unset
group, the whole subject) ran on across that loop until LuaJIT gave up on them.
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local match, find = ngx.re.match, ngx.re.find
            local n = 0
            for i = 1, 300 do
                local m = match("ab", "(a)(x)?(b)", "jo")
                if m[0] == "ab" and m[1] == "a" and m[2] == false and m[3] == "b" then n = n + 1 end
            end
            for i = 1, 300 do
                local from, to = find("ab", "(a)(x)?(b)", "jo", nil, 3)
                if from == 2 and to == 2 then n = n + 1 end
            end
            ngx.say(n)
            local m = match("abcdef", "(a)(x)?(b)(c)(y)?(d)(z)?", "jo")
            ngx.say(m[2], " ", m[4], " ", m[5], " ", m[6], " ", m[7])
            ngx.say(find("ab", "(a)(x)?(b)", "jo", nil, 2))
        }
    }
--- request
GET /t
--- response_body
600
false c false d false
nilnil
--- error_log eval
[loop_traces(5, 9)]
--- no_error_log
NYI
loop unroll limit
fallback to interpreter

=== TEST 31: named groups that did not take part are JIT-compiled
Whether a side trace of the named-groups branch first gets a trace of its own (and
aborts on the unroll limit, leaving that exit to the interpreter) depends on the hot
counters other code shares: the proof is the loop's root trace.
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local match = ngx.re.match
            local n = 0
            for i = 1, 300 do
                local m = match("ab", "(?<x>a)(?<y>x)?(b)", "jo")
                if m.x == "a" and m.y == false and m[3] == "b" then n = n + 1 end
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
300
--- error_log eval
[loop_traces(5)]
--- no_error_log
NYI
--- allow_error_log
loop unroll limit
fallback to interpreter

=== TEST 32: gmatch with groups that did not take part is JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local gmatch = ngx.re.gmatch
            local n = 0
            for i = 1, 300 do
                local m = gmatch("abab", "(a)(x)?(b)", "jo")()
                if m[2] == false and m[3] == "b" then n = n + 1 end
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
300
--- error_log eval
[loop_traces(5)]
--- no_error_log
NYI
loop unroll limit
fallback to interpreter

=== TEST 33: gsub with a template, groups that did not take part, is JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local gsub = ngx.re.gsub
            local s
            for i = 1, 300 do
                s = gsub("abab", "(a)(x)?(b)", "[$2$1]", "jo")
            end
            ngx.say(s)
        }
    }
--- request
GET /t
--- response_body
[a][a]
--- error_log eval
[loop_traces(5)]
--- no_error_log
NYI
loop unroll limit
fallback to interpreter

=== TEST 34: gsub with a function, groups that did not take part, is JIT-compiled
Its loop over matches, or (as that loop runs once here) the caller's, is a root trace.
(The match before that loop is collected by the same function as those in it: hot
twice a call, it may get a trace of its own whose side exits LuaJIT then gives up on,
so only NYI is ruled out here.)
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local gsub = ngx.re.gsub
            local mark = function(m) return m[2] and "y" or m[1] .. m[3] end
            local s
            for i = 1, 300 do
                s = gsub("abab", "(a)(x)?(b)", mark, "jo")
            end
            ngx.say(s)
        }
    }
--- request
GET /t
--- response_body
abab
--- error_log eval
qr/\[TRACE\s+\d+ (?:regex\.lua:\d+|content_by_lua\(nginx\.conf:\d+\):6) loop\]/
--- no_error_log
NYI

=== TEST 35: split with captures and a limit is JIT-compiled
Its loop over matches is the root trace (as in OpenResty, a loop in the caller cannot
be one: the loop inside split is hot first); the caller's loop is side traces back to it.
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local split = require("ngx.re").split
            local n, res = 0, {}
            for i = 1, 300 do
                res = split("a1b,c", "([0-9])|,", "jo", nil, 3, res)
                if res[1] == "a" and res[2] == "1" and res[3] == "b" and res[4] == "c" then
                    n = n + 1
                end
            end
            ngx.say(n, " ", #res)
        }
    }
--- request
GET /t
--- response_body
300 4
--- error_log eval
[qr/\[TRACE\s+\d+ re\.lua:\d+ loop\]/, qr/\[TRACE\s+\d+ \(\d+\/\d+\) re\.lua:\d+ -> \d+\]/]
--- no_error_log
NYI
loop unroll limit
fallback to interpreter
