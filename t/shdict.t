# lua_shared_dict and ngx.shared.DICT.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: lua_shared_dict sizes with k and m suffixes; capacity reports them
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 64k;
    lua_shared_dict birds 100000;
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.shared.dogs:capacity(), " ", ngx.shared.cats:capacity(), " ",
                    ngx.shared.birds:capacity())
            ngx.say(ngx.shared.nope, " ", ngx.shared["dogs"] == ngx.shared.dogs)
        }
    }
--- request
GET /t
--- response_body
1048576 65536 100000
nil true
--- no_error_log
[error]

=== TEST 2: a zone below 8k is refused
--- http_config
    lua_shared_dict dogs 4k;
--- must_die
--- error_log
invalid lua shared dict size "4k"

=== TEST 3: a size that is no size is refused
--- http_config
    lua_shared_dict dogs many;
--- must_die
--- error_log
invalid lua shared dict size "many"

=== TEST 4: a name declared twice is refused
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict dogs 1m;
--- must_die
--- error_log
lua_shared_dict "dogs" is already defined

=== TEST 5: a name declared twice with another size is refused
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict dogs 2m;
--- must_die
--- error_log
conflicts with already declared size

=== TEST 6: lua_shared_dict belongs in http{}
--- config
    lua_shared_dict dogs 1m;
--- must_die
--- error_log
"lua_shared_dict" directive is not allowed here

=== TEST 7: the objects have OpenResty's shape
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs, cats = ngx.shared.dogs, ngx.shared.cats
            local mt = getmetatable(dogs)
            ngx.say(type(dogs), " ", type(dogs[1]), " ", mt == getmetatable(cats), " ",
                    mt.__index == mt, " ", type(mt.get), " ", dogs.get == cats.get)
            local n = 0
            for name, dict in pairs(ngx.shared) do n = n + 1 end
            ngx.say(n)
            ngx.say(require("resty.core.shdict").version)
        }
    }
--- request
GET /t
--- response_body
table userdata true true function true
2
0.1.31

=== TEST 8: ngx.shared is an empty table without zones
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(type(ngx.shared), " ", next(ngx.shared), " ", ngx.shared.dogs)
        }
    }
--- request
GET /t
--- response_body
table nil nil

=== TEST 9: values keep their type
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("int", 32)
            dogs:set("float", 3.14159)
            dogs:set("neg", -1.5e300)
            dogs:set("str", "hello")
            dogs:set("empty", "")
            dogs:set("yes", true)
            dogs:set("no", false)
            dogs:set("bin", "a\0b")
            for _, k in ipairs({"int", "float", "neg", "str", "empty", "yes", "no", "bin", "none"}) do
                local v = dogs:get(k)
                ngx.say(k, ": ", type(v), " ", (tostring(v):gsub("%z", "\\0")))
            end
        }
    }
--- request
GET /t
--- response_body
int: number 32
float: number 3.14159
neg: number -1.5e+300
str: string hello
empty: string 
yes: boolean true
no: boolean false
bin: string a\0b
none: nil nil

=== TEST 10: set returns true, nil, false; nil deletes; delete
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:set("k", 1))
            ngx.say(dogs:set("k", nil))
            ngx.say(dogs:get("k"))
            dogs:set("k", "v")
            ngx.say(dogs:delete("k"))
            ngx.say(dogs:get("k"))
            ngx.say(dogs:delete("never"))
        }
    }
--- request
GET /t
--- response_body
truenilfalse
truenilfalse
nil
truenilfalse
nil
truenilfalse

=== TEST 11: user flags come back from get and get_stale, 0 means none
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("a", "x", 0, 7)
            dogs:set("b", "y")
            dogs:set("c", 1, 0, 4294967295)
            ngx.say(dogs:get("a"))
            ngx.say(select("#", dogs:get("b")), " ", dogs:get("b"))
            ngx.say(dogs:get("c"))
            ngx.say(dogs:get_stale("a"))
            ngx.say(dogs:get_stale("b"))
        }
    }
--- request
GET /t
--- response_body
x7
1 y
14294967295
x7false
ynilfalse

=== TEST 12: keys go through tostring; bad keys
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set(1234, "number key")
            ngx.say(dogs:get("1234"))
            dogs:set(true, "boolean key")
            ngx.say(dogs:get("true"))
            ngx.say(dogs:get(nil))
            ngx.say(dogs:set(nil, 1))
            ngx.say(dogs:get(""))
            ngx.say(dogs:set("", 1))
            ngx.say(dogs:incr("", 1))
            ngx.say(dogs:ttl(""))
            ngx.say(dogs:expire("", 1))
            local long = string.rep("k", 65535)
            ngx.say(dogs:set(long, "longest"))
            ngx.say(dogs:get(long))
            ngx.say(dogs:get(long .. "k"))
            ngx.say(dogs:set(long .. "k", 1))
            ngx.say(dogs:incr(long .. "k", 1))
        }
    }
--- request
GET /t
--- response_body
number key
boolean key
nilnil key
nilnil key
nilempty key
nilempty key
nilempty key
nilempty key
nilempty key
truenilfalse
longest
nilkey too long
nilkey too long
nilkey too long

=== TEST 13: values of other types are refused
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:set("k", {}))
            ngx.say(dogs:set("k", print))
            ngx.say(dogs:add("k", ngx.null))
            ngx.say(dogs:get("k"))
        }
    }
--- request
GET /t
--- response_body
nilbad value type
nilbad value type
nilbad value type
nil

=== TEST 14: exptime and flags argument checks
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local function try(...)
                local ok, err = pcall(...)
                ngx.say(ok, " ", err)
            end
            try(dogs.set, dogs, "k", 1, -1)
            try(dogs.set, dogs, "k", 1, "soon")
            try(dogs.safe_add, dogs, "k", 1, {})
            try(dogs.set, dogs, "k", 1, 0, "flags")
            try(dogs.set, dogs, "k", 1, "0.5", "3")
            ngx.say(dogs:get("k"))
        }
    }
--- request
GET /t
--- response_body
false bad "exptime" argument
false bad argument #3 to 'set' (number expected, got string)
false bad argument #3 to 'safe_add' (number expected, got table)
false bad argument #4 to 'set' (number expected, got string)
true true
13

=== TEST 15: errors point at the caller's line
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(select(2, pcall(function() dogs:set("k", 1, -1) end)))
            ngx.say(select(2, pcall(function() dogs.get(nil, "k") end)))
            ngx.say(select(2, pcall(function() dogs:incr("k", {}) end)))
            ngx.say(select(2, pcall(function() dogs:lpush(true, 1) end)))
            ngx.say(select(2, pcall(function() dogs:get_keys("x") end)))
        }
    }
--- request
GET /t
--- response_body
content_by_lua(nginx.conf:32):3: bad "exptime" argument
content_by_lua(nginx.conf:32):4: bad "zone" argument
content_by_lua(nginx.conf:32):5: bad argument #2 to 'incr' (number expected, got table)
content_by_lua(nginx.conf:32):6: bad argument #1 to 'lpush' (string expected, got boolean)
content_by_lua(nginx.conf:32):7: bad argument #1 to 'get_keys' (number expected, got string)

=== TEST 16: every method refuses a wrong self
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local selves = { nil, {}, { "x" }, { io.stdout }, "dogs" }
            local args = {
                get = { "k" }, get_stale = { "k" }, set = { "k", 1 }, safe_set = { "k", 1 },
                add = { "k", 1 }, safe_add = { "k", 1 }, replace = { "k", 1 },
                delete = { "k" }, incr = { "k", 1 }, lpush = { "k", 1 }, rpush = { "k", 1 },
                lpop = { "k" }, rpop = { "k" }, llen = { "k" }, ttl = { "k" },
                expire = { "k", 1 }, flush_all = {}, flush_expired = {}, get_keys = {},
                capacity = {}, free_space = {},
            }
            local names = {}
            for name in pairs(args) do names[#names + 1] = name end
            table.sort(names)
            for _, name in ipairs(names) do
                local bad = 0
                for i = 1, 5 do
                    local ok, err = pcall(dogs[name], selves[i], unpack(args[name]))
                    if not ok and err == 'bad "zone" argument' then bad = bad + 1 end
                end
                ngx.say(name, " ", bad)
            end
        }
    }
--- request
GET /t
--- response_body
add 5
capacity 5
delete 5
expire 5
flush_all 5
flush_expired 5
free_space 5
get 5
get_keys 5
get_stale 5
incr 5
llen 5
lpop 5
lpush 5
replace 5
rpop 5
rpush 5
safe_add 5
safe_set 5
set 5
ttl 5

=== TEST 17: add, safe_add and replace
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:replace("k", 1))
            ngx.say(dogs:add("k", 1))
            ngx.say(dogs:add("k", 2))
            ngx.say(dogs:safe_add("k", 2))
            ngx.say(dogs:replace("k", "two"))
            ngx.say(dogs:get("k"))
            ngx.say(dogs:add("k", nil))
            ngx.say(dogs:replace("k", nil))
            ngx.say(dogs:safe_add("new", true))
            ngx.say(dogs:get("new"))
        }
    }
--- request
GET /t
--- response_body
falsenot foundfalse
truenilfalse
falseexistsfalse
falseexistsfalse
truenilfalse
two
falseattempt to add or replace nil valuesfalse
falseattempt to add or replace nil valuesfalse
truenilfalse
true

=== TEST 18: expiry, get_stale, float exptime; add and replace see expired items as gone
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("short", "s", 0.05, 3)
            dogs:set("long", "l", 10)
            dogs:set("forever", "f")
            ngx.say(dogs:get("short"), " ", dogs:ttl("short"), " ", dogs:ttl("long"), " ",
                    dogs:ttl("forever"))
            ngx.sleep(0.1)
            ngx.say(dogs:get("short"))
            ngx.say(dogs:get_stale("short"))
            ngx.say(dogs:ttl("short"))
            ngx.say(dogs:expire("short", 1))
            ngx.say(dogs:replace("short", "x"))
            ngx.say(dogs:get("long"), dogs:get("forever"))
            ngx.say(dogs:add("short", "again"))
            ngx.say(dogs:get("short"), " ", dogs:ttl("short"))
        }
    }
--- request
GET /t
--- response_body
s 0.05 10 0
nil
s3true
nilnot found
nilnot found
falsenot foundfalse
lf
truenilfalse
again 0

=== TEST 19: expire and ttl
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("k", 1)
            ngx.say(dogs:ttl("k"))
            ngx.say(dogs:expire("k", 10.5))
            ngx.say(dogs:ttl("k"))
            ngx.say(dogs:expire("k", 0))
            ngx.say(dogs:ttl("k"))
            ngx.say(dogs:expire("nope", 1))
            ngx.say(dogs:ttl("nope"))
            ngx.say(pcall(dogs.expire, dogs, "k"))
            ngx.say(pcall(dogs.expire, dogs, "k", -1))
            dogs:expire("k", 0.01)
            ngx.sleep(0.05)
            ngx.say(dogs:get("k"))
        }
    }
--- request
GET /t
--- response_body
0
true
10.5
true
0
nilnot found
nilnot found
falsebad "exptime" argument
falsebad "exptime" argument
nil

=== TEST 20: incr
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:incr("n", 1))
            ngx.say(dogs:incr("n", 1, 10))
            ngx.say(dogs:incr("n", -2.5))
            ngx.say(select("#", dogs:incr("n", 1)))
            ngx.say(dogs:incr("n", "3", "100"))
            dogs:set("s", "str")
            ngx.say(dogs:incr("s", 1))
            ngx.say(dogs:incr("s", 1, 0))
            ngx.say(dogs:incr("t", 1, 0, 0.05))
            ngx.say(dogs:ttl("t"))
            ngx.say(dogs:incr("t", 1, 0, 100))
            ngx.say(dogs:ttl("t"))
            ngx.sleep(0.1)
            ngx.say(dogs:get("t"))
            ngx.say(dogs:incr("t", 5, 1))
            dogs:lpush("l", 1)
            ngx.say(dogs:incr("l", 1, 0))
        }
    }
--- request
GET /t
--- response_body
nilnot found
11nilfalse
8.5
1
12.5nilfalse
nilnot a number
nilnot a number
1nilfalse
0.05
2nilfalse
0.05
nil
6nilfalse
nilnot a number

=== TEST 21: incr argument checks
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local function try(...)
                local ok, err = pcall(...)
                ngx.say(ok, " ", err)
            end
            try(dogs.incr, dogs, "n", nil)
            try(dogs.incr, dogs, "n", "one")
            try(dogs.incr, dogs, "n", 1, "zero")
            try(dogs.incr, dogs, "n", 1, 0, "never")
            try(dogs.incr, dogs, "n", 1, 0, -1)
            try(dogs.incr, dogs, "n", 1, nil, 1)
        }
    }
--- request
GET /t
--- response_body
false bad argument #2 to 'incr' (number expected, got nil)
false bad argument #2 to 'incr' (number expected, got string)
false bad init arg: number expected, got string
false bad init_ttl arg: number expected, got string
false bad "init_ttl" argument
false must provide "init" when providing "init_ttl"

=== TEST 22: lists
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:lpush("l", "b"))
            ngx.say(dogs:lpush("l", "a"))
            ngx.say(dogs:rpush("l", 3))
            ngx.say(dogs:rpush("l", 4.5))
            ngx.say(dogs:llen("l"))
            ngx.say(dogs:get("l"))
            ngx.say(dogs:get_stale("l"))
            ngx.say(dogs:lpop("l"), " ", dogs:rpop("l"), " ", dogs:rpop("l"), " ", dogs:lpop("l"))
            ngx.say(dogs:lpop("l"), " ", dogs:llen("l"))
            ngx.say(dogs:rpop("never"), " ", dogs:llen("never"))
            dogs:set("s", "str")
            ngx.say(dogs:lpush("s", 1))
            ngx.say(dogs:rpush("s", 1))
            ngx.say(dogs:lpop("s"))
            ngx.say(dogs:rpop("s"))
            ngx.say(dogs:llen("s"))
            ngx.say(dogs:lpush("l", true))
            ngx.say(dogs:rpush("l", nil))
            ngx.say(dogs:lpush(nil, 1))
            ngx.say(dogs:lpush("", 1))
            ngx.say(dogs:lpush(12, "number key"), " ", dogs:lpop("12"))
            dogs:rpush("x", "gone")
            dogs:set("x", "plain")
            ngx.say(dogs:get("x"))
            local big = string.rep("v", 10000)
            dogs:rpush("big", big)
            ngx.say(dogs:lpop("big") == big)
        }
    }
--- request
GET /t
--- response_body
1
2
3
4
4
nilvalue is a list
nilvalue is a list
a 4.5 3 b
nil 0
nil 0
nilvalue not a list
nilvalue not a list
nilvalue not a list
nilvalue not a list
nilvalue not a list
nilbad value type
nilbad value type
nilnil key
nilempty key
1 number key
plain
true

=== TEST 23: list argument checks follow the C API
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local function try(...)
                local ok, err = pcall(...)
                ngx.say(ok, " ", err)
            end
            try(dogs.lpush, dogs, "l")
            try(dogs.rpush, dogs, "l", 1, 2)
            try(dogs.lpop, dogs)
            try(dogs.rpop, dogs, "l", 1)
            try(dogs.llen, dogs)
            try(dogs.lpush, dogs, {}, 1)
            try(dogs.llen, dogs, false)
            try(dogs.flush_expired, dogs, 1, 2)
            try(dogs.get_keys)
        }
    }
--- request
GET /t
--- response_body
false expecting 3 arguments, but only seen 2
false expecting 3 arguments, but only seen 4
false expecting 2 arguments, but only seen 1
false expecting 2 arguments, but only seen 3
false expecting 2 arguments, but only seen 1
false bad argument #1 to 'lpush' (string expected, got table)
false bad argument #1 to 'llen' (string expected, got boolean)
false expecting 1 or 2 argument(s), but saw 3
false expecting 1 or 2 argument(s), but saw 0

=== TEST 24: an expired list starts over; an expired value becomes a list
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:rpush("l", "old")
            dogs:rpush("l", "older")
            dogs:expire("l", 0.01)
            dogs:set("v", 1, 0.01)
            ngx.sleep(0.05)
            ngx.say(dogs:llen("l"), " ", dogs:lpop("l"))
            ngx.say(dogs:rpush("l", "new"), " ", dogs:lpop("l"))
            ngx.say(dogs:rpush("v", "list now"), " ", dogs:lpop("v"))
        }
    }
--- request
GET /t
--- response_body
0 nil
1 new
1 list now

=== TEST 25: flush_all hides everything, get_stale still sees it, flush_expired frees it
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local empty = dogs:free_space()
            for i = 1, 100 do dogs:set("k" .. i, i) end
            dogs:rpush("list", 1)
            local used = dogs:free_space()
            ngx.say(used < empty)
            ngx.say(select("#", dogs:flush_all()))
            ngx.say(dogs:get_stale("k100"))
            ngx.say(dogs:free_space() == used)
            ngx.say(dogs:get("k1"), " ", #dogs:get_keys(), " ", dogs:llen("list"))
            -- Writes free up to two expired items at the LRU tail on their way (llen
            -- just did): flush_expired frees the rest.
            ngx.say(dogs:flush_expired())
            ngx.say(dogs:free_space() == empty)
            ngx.say(dogs:get_stale("k1"))
            dogs:set("k1", "back")
            ngx.say(dogs:get("k1"))
        }
    }
--- request
GET /t
--- response_body
true
0
100niltrue
true
nil 0 0
99
true
nil
back

=== TEST 26: flush_expired with a limit
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            for i = 1, 30 do dogs:set("e" .. i, i, 0.01) end
            dogs:set("live", 1)
            ngx.sleep(0.05)
            ngx.say(dogs:flush_expired(10))
            ngx.say(dogs:flush_expired(0))
            ngx.say(dogs:flush_expired())
            ngx.say(dogs:flush_expired("5"))
            ngx.say(dogs:get("live"))
        }
    }
--- request
GET /t
--- response_body
10
20
0
0
1

=== TEST 27: get_keys: 1024 by default, all with 0, expired ones left out
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(#dogs:get_keys())
            for i = 1, 1100 do dogs:set("key" .. i, i) end
            for i = 1, 10 do dogs:set("gone" .. i, i, 0.01) end
            ngx.sleep(0.05)
            ngx.say(#dogs:get_keys(), " ", #dogs:get_keys(0), " ", #dogs:get_keys(5),
                    " ", #dogs:get_keys(-1), " ", #dogs:get_keys(2000))
            local seen = {}
            for _, k in ipairs(dogs:get_keys(0)) do seen[k] = true end
            local all = true
            for i = 1, 1100 do all = all and seen["key" .. i] end
            ngx.say(all, " ", seen.gone1)
        }
    }
--- request
GET /t
--- response_body
0
1024 1100 5 1100 1100
true nil

=== TEST 28: get_keys returns long keys
--- http_config
    lua_shared_dict dogs 4m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local want = {}
            for i = 1, 40 do
                local k = string.rep(string.char(64 + i), 60000 + i)
                dogs:set(k, i)
                want[k] = true
            end
            local keys = dogs:get_keys(0)
            local ok = #keys == 40
            for _, k in ipairs(keys) do ok = ok and want[k] end
            ngx.say(ok)
        }
    }
--- request
GET /t
--- response_body
true

=== TEST 29: strings longer than the scratch buffer
--- http_config
    lua_shared_dict dogs 4m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local big = string.rep("0123456789", 100000)
            dogs:set("big", big)
            ngx.say(dogs:get("big") == big, " ", (dogs:get_stale("big")) == big)
        }
    }
--- request
GET /t
--- response_body
true true

=== TEST 30: free_space shrinks by what is stored and comes back
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local free = dogs:free_space()
            ngx.say(free > 1000000, " ", free < dogs:capacity())
            dogs:set("k", string.rep("x", 10000))
            local used = free - dogs:free_space()
            ngx.say(used >= 10000 and used < 10100)
            dogs:delete("k")
            ngx.say(dogs:free_space() == free)
        }
    }
--- request
GET /t
--- response_body
true true
true
true
