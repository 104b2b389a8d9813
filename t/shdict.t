# lua_shared_dict and ngx.shared.DICT.
use lib 't/lib';
use NgxTest;

# The JIT proof of every method: [name, setup, loop body, value printed after the loop,
# what it must be]. Each case starts from an empty zone.
my @jit_cases = (
    ['get', 'dogs:set("k", 1)', 'n = n + dogs:get("k")', 'n', 500],
    ['get_stale', 'dogs:set("k", 1)', 'local v, _, stale = dogs:get_stale("k") if not stale then n = n + v end', 'n', 500],
    ['set', '', 'dogs:set("k", i)', 'dogs:get("k")', 500],
    ['safe_set', '', 'dogs:safe_set("k", i)', 'dogs:get("k")', 500],
    ['add', '', 'dogs:delete("k") if dogs:add("k", i) then n = n + 1 end', 'n', 500],
    ['safe_add', '', 'dogs:delete("k") if dogs:safe_add("k", i) then n = n + 1 end', 'n', 500],
    ['replace', 'dogs:set("k", 0)', 'dogs:replace("k", i)', 'dogs:get("k")', 500],
    ['delete', '', 'dogs:set("k", i) dogs:delete("k")', 'dogs:get("k")', 'nil'],
    ['incr', 'dogs:set("k", 0)', 'dogs:incr("k", 1)', 'dogs:get("k")', 500],
    ['incr with init', '', 'dogs:incr("c", 1, 0, 10)', 'dogs:get("c")', 500],
    ['lpush', '', 'dogs:lpush("l", i)', 'dogs:llen("l")', 500],
    ['rpush', '', 'dogs:rpush("l", "v")', 'dogs:llen("l")', 500],
    ['lpop', 'for i = 1, 500 do dogs:rpush("l", i) end', 'n = n + dogs:lpop("l")', 'n', 125250],
    ['rpop', 'for i = 1, 500 do dogs:rpush("l", i) end', 'n = n + dogs:rpop("l")', 'n', 125250],
    ['llen', 'dogs:rpush("l", 1)', 'n = n + dogs:llen("l")', 'n', 500],
    ['ttl', 'dogs:set("k", 1, 2)', 'n = n + dogs:ttl("k")', 'n', 1000],
    ['expire', 'dogs:set("k", 1)', 'dogs:expire("k", 10)', 'dogs:ttl("k")', 10],
    ['flush_all', 'dogs:set("k", 1)', 'dogs:flush_all()', 'dogs:get("k")', 'nil'],
    ['flush_expired', 'dogs:set("k", 1)', 'n = n + dogs:flush_expired()', 'n', 0],
    ['get_keys', 'dogs:set("a", 1) dogs:set("b", 2)', 'n = n + #dogs:get_keys()', 'n', 1000],
    ['capacity', '', 'n = n + dogs:capacity()', 'n', 524288000],
    ['free_space', 'dogs:set("k", 1)', 'if dogs:free_space() > 0 then n = n + 1 end', 'n', 500],
);
# One handler with every case ($JitCode), the line of each loop in it and the output.
our (@JitLines, $JitOutput);
my @code = ('require("jit.v").on()', 'local dogs = ngx.shared.dogs');
for my $case (@jit_cases) {
    my ($name, $setup, $body, $result, $expected) = @$case;
    push @code, 'do', 'dogs:flush_all() dogs:flush_expired()', $setup, 'local n = 0',
                'for i = 1, 500 do';
    push @JitLines, scalar(@code) + 1;    # the handler's line 1 is the one with "{"
    push @code, $body, 'end', qq{ngx.say("$name ", $result)}, 'end';
    $JitOutput .= "$name $expected\n";
}
our $JitCode = join "\n", @code;

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

=== TEST 7: nginx -t checks lua_shared_dict and runs init_by_lua with the zones mapped
--- main_config
    # The nginx -t below needs what the sanitizer build preloads (workers lose the
    # environment otherwise).
    env LD_PRELOAD;
    env ASAN_OPTIONS;
--- http_config
    lua_shared_dict dogs 1m;
    init_by_lua_block { assert(ngx.shared.dogs:set("checked", true)) }
--- config
    location = /t {
        content_by_lua_block {
            local prefix = "$TEST_NGINX_PREFIX"
            local f = assert(io.open(prefix .. "/conf/nginx.conf"))
            local conf = f:read("*a")
            f:close()
            local function check(text)
                local path = prefix .. "/conf/check.conf"
                local out = assert(io.open(path, "w"))
                out:write(text)
                out:close()
                local p = io.popen("/usr/sbin/nginx -t -p " .. prefix .. "/ -c " .. path .. " 2>&1")
                local result = p:read("*a")
                p:close()
                return result
            end
            local ok = check(conf)
            ngx.say(ok:find("test is successful", 1, true) ~= nil)
            local dup = check((conf:gsub("lua_shared_dict dogs 1m;",
                                         "lua_shared_dict dogs 1m; lua_shared_dict dogs 1m;")))
            ngx.say(dup:find('lua_shared_dict "dogs" is already defined', 1, true) ~= nil,
                    " ", dup:find("test failed", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- timeout: 10
--- response_body
true
true true
--- allow_error_log eval
# The worker's SIGCHLD handler may reap the shell of io.popen before pclose does.
qr/unknown process \d+ exited with code 1/

=== TEST 8: the objects have OpenResty's shape
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

=== TEST 9: ngx.shared is an empty table without zones
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

=== TEST 10: values keep their type
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

=== TEST 11: set returns true, nil, false; nil deletes; delete
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

=== TEST 12: user flags come back from get and get_stale, 0 means none
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

=== TEST 13: keys go through tostring; bad keys
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

=== TEST 14: values of other types are refused
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

=== TEST 15: exptime and flags argument checks
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

=== TEST 16: errors point at the caller's line
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

=== TEST 17: every method refuses a wrong self
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

=== TEST 18: add, safe_add and replace
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
--- no_repeat: the dict keeps what the first run stored

=== TEST 19: expiry, get_stale, float exptime; add and replace see expired items as gone
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

=== TEST 20: expire and ttl
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

=== TEST 21: incr
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
--- no_repeat: the dict keeps what the first run stored

=== TEST 22: incr argument checks
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

=== TEST 23: lists
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

=== TEST 24: list argument checks follow the C API
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

=== TEST 25: an expired list starts over; an expired value becomes a list
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

=== TEST 26: flush_all hides everything, get_stale still sees it, flush_expired frees it
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
--- no_repeat: the dict keeps what the first run stored

=== TEST 27: flush_expired with a limit
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

=== TEST 28: get_keys: 1024 by default, all with 0, expired ones left out
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
--- no_repeat: the dict keeps what the first run stored

=== TEST 29: get_keys returns long keys
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

=== TEST 30: strings longer than the scratch buffer
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

=== TEST 31: free_space shrinks by what is stored and comes back
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

=== TEST 32: every context, with and without a request
--- http_config
    lua_shared_dict dogs 1m;
    init_by_lua_block { ngx.shared.dogs:set("init", "from init_by_lua") }
    init_worker_by_lua_block { ngx.shared.dogs:incr("workers", 1, 0) }
--- config
    location = /t {
        rewrite_by_lua_block { ngx.shared.dogs:set("phases", "rewrite") }
        access_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("phases", dogs:get("phases") .. " access")
        }
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:get("init"), ", ", dogs:get("workers"), ", ", dogs:get("phases"),
                    " content, log ran ", dogs:get("log"))
        }
        log_by_lua_block { ngx.shared.dogs:incr("log", 1, 0) }
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["from init_by_lua, 1, rewrite access content, log ran nil\n",
 "from init_by_lua, 1, rewrite access content, log ran 1\n"]
--- no_error_log
[error]
--- no_repeat: the dict keeps what the first run stored

=== TEST 33: init_by_lua failing with zones declared stops nginx
--- http_config
    lua_shared_dict dogs 1m;
    init_by_lua_block { ngx.shared.dogs:set("k", 1) error("boom") }
--- must_die
--- error_log
init_by_lua error
boom

=== TEST 34: a full zone keeps serving by evicting the least recently used
--- http_config
    lua_shared_dict small 32k;
--- config
    location = /t {
        content_by_lua_block {
            local d = ngx.shared.small
            local value = string.rep("v", 100)
            local failed, forced = 0, 0
            for i = 1, 5000 do
                local ok, err, forcible = d:set("key" .. i, value)
                if not ok then failed = failed + 1 end
                if forcible then forced = forced + 1 end
                if i % 10 == 0 then d:get("key1") end
            end
            ngx.say("failed ", failed, ", evicted ", forced > 4000)
            ngx.say("oldest gone ", d:get("key2") == nil, ", newest kept ", d:get("key5000") == value,
                    ", touched kept ", d:get("key1") == value)
            local keys = #d:get_keys(0)
            ngx.say(keys > 100 and keys < 300)
            ngx.say(d:safe_set("more", string.rep("w", 2000)))
            ngx.say(#d:get_keys(0) == keys)
            ngx.say(d:set("huge", string.rep("h", 40000)))
            ngx.say(d:get("key5000") == value)
        }
    }
--- request
GET /t
--- response_body
failed 0, evicted true
oldest gone true, newest kept true, touched kept true
true
falseno memoryfalse
true
falseno memoryfalse
true

=== TEST 35: expired items go before live ones, without "forcible"
--- http_config
    lua_shared_dict small 32k;
--- config
    location = /t {
        content_by_lua_block {
            local d = ngx.shared.small
            local value = string.rep("v", 100)
            local n = 0
            while d:safe_set("old" .. n, value, 0.01) do n = n + 1 end
            ngx.sleep(0.05)
            local forced = false
            for i = 1, n do
                local ok, err, forcible = d:set("new" .. i, value)
                forced = forced or forcible or not ok
            end
            ngx.say(n > 100, " ", forced)
        }
    }
--- request
GET /t
--- response_body
true false
--- no_repeat: the dict keeps what the first run stored

=== TEST 36: scattered free space is used without evicting anything
--- http_config
    lua_shared_dict small 256k;
--- config
    location = /t {
        content_by_lua_block {
            local d = ngx.shared.small
            local n = 0
            while d:safe_set("k" .. n + 1, string.rep("x", 200)) do n = n + 1 end
            for i = 1, n, 2 do d:delete("k" .. i) end
            local big = string.rep("y", math.floor(d:free_space() * 0.9))
            ngx.say(d:safe_set("big", big))
            local kept = 0
            for i = 2, n, 2 do
                if d:get("k" .. i) then kept = kept + 1 end
            end
            ngx.say(kept == math.floor(n / 2), " ", d:get("big") == big)
        }
    }
--- request
GET /t
--- response_body
truenilfalse
true true

=== TEST 37: two workers incrementing one key at once end with the exact total
--- workers: 2
--- http_config
    lua_shared_dict counters 1m;
    init_worker_by_lua_block {
        local c = ngx.shared.counters
        local last, interleaved = nil, 0
        for i = 1, 2000000 do
            local v = c:incr("n", 1, 0)
            if last and v ~= last + 1 then interleaved = interleaved + 1 end
            last = v
        end
        c:incr("interleaved", interleaved, 0)
        c:incr("done", 1, 0)
    }
--- config
    location = /t {
        content_by_lua_block {
            local c = ngx.shared.counters
            for _ = 1, 400 do
                if c:get("done") == 2 then break end
                ngx.sleep(0.05)
            end
            ngx.say(c:get("done"), " ", c:get("n"), " ", c:get("interleaved") > 0)
        }
    }
--- request
GET /t
--- timeout: 30
--- response_body
2 4000000 true

=== TEST 38: concurrent requests on two workers, yielding between batches, count exactly
--- workers: 2
--- http_config
    lua_shared_dict counters 1m;
--- config
    location = /incr {
        content_by_lua_block {
            local c = ngx.shared.counters
            for _ = 1, 50 do
                for _ = 1, 1000 do c:incr("n", 1, 0) end
                ngx.sleep(0)
            end
            c:incr("done", 1, 0)
        }
    }
    location = /t {
        content_by_lua_block {
            local request = [[bash -c 'exec 3<>/dev/tcp/127.0.0.1/$TEST_NGINX_SERVER_PORT; printf "GET /incr HTTP/1.0\r\n\r\n" >&3; cat <&3 >/dev/null' &]]
            for _ = 1, 8 do os.execute(request) end
            local c = ngx.shared.counters
            for _ = 1, 400 do
                if c:get("done") == 8 then break end
                ngx.sleep(0.05)
            end
            ngx.say(c:get("done"), " ", c:get("n"))
        }
    }
--- request
GET /t
--- timeout: 30
--- response_body
8 400000
--- no_repeat: the dict keeps what the first run stored

=== TEST 39: contents survive a reload (HUP) when name and size stay; a resized zone starts empty
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 1m;
--- config
    location = /set {
        content_by_lua_block {
            ngx.shared.dogs:set("k", "kept", 0, 5)
            ngx.shared.dogs:rpush("l", "listed")
            ngx.shared.cats:set("c", "lost")
            ngx.say("set")
        }
    }
    location = /hup {
        content_by_lua_block {
            local path = "$TEST_NGINX_PREFIX/conf/nginx.conf"
            local f = assert(io.open(path))
            local conf = f:read("*a")
            f:close()
            f = assert(io.open(path, "w"))
            f:write((conf:gsub("lua_shared_dict cats 1m", "lua_shared_dict cats 2m")))
            f:close()
            f = assert(io.open("$TEST_NGINX_PREFIX/logs/nginx.pid"))
            local master = f:read("*n")
            f:close()
            os.execute("kill -HUP " .. master)
            ngx.sleep(1)
            ngx.say("reloaded")
        }
    }
    location = /get {
        content_by_lua_block {
            local dogs, cats = ngx.shared.dogs, ngx.shared.cats
            local value, flags = dogs:get("k")
            ngx.say(value, " ", flags, " ", dogs:lpop("l"), " ", cats:get("c"), " ", cats:capacity())
        }
    }
--- request eval
["GET /set", "GET /hup", "GET /get"]
--- response_body eval
["set\n", "reloaded\n", "kept 5 listed nil 2097152\n"]
--- error_log
reconfiguring
--- no_repeat: the dict keeps what the first run stored

=== TEST 40: OpenResty's FFI ABI, as lua-resty-core 0.1.31 binds it
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            ffi.cdef[[
int ngx_http_lua_ffi_shdict_get(void *zone, const unsigned char *key, size_t key_len,
    int *value_type, unsigned char **str_value_buf, size_t *str_value_len,
    double *num_value, int *user_flags, int get_stale, int *is_stale, char **errmsg);
int ngx_http_lua_ffi_shdict_incr(void *zone, const unsigned char *key, size_t key_len,
    double *value, char **err, int has_init, double init, long init_ttl, int *forcible);
int ngx_http_lua_ffi_shdict_store(void *zone, int op, const unsigned char *key,
    size_t key_len, int value_type, const unsigned char *str_value_buf,
    size_t str_value_len, double num_value, long exptime, int user_flags,
    char **errmsg, int *forcible);
int ngx_http_lua_ffi_shdict_flush_all(void *zone);
long ngx_http_lua_ffi_shdict_get_ttl(void *zone, const unsigned char *key, size_t key_len);
int ngx_http_lua_ffi_shdict_set_expire(void *zone, const unsigned char *key,
    size_t key_len, long exptime);
size_t ngx_http_lua_ffi_shdict_capacity(void *zone);
void *ngx_http_lua_ffi_shdict_udata_to_zone(void *zone_udata);
size_t ngx_http_lua_ffi_shdict_free_space(void *zone);
typedef struct {
    void *zone; const unsigned char *key; size_t key_len; int *value_type;
    unsigned char **str_value_buf; size_t *str_value_len; double *num_value;
    int *user_flags; int get_stale; int *is_stale; char **errmsg;
} ngx_http_lua_shdict_get_params_t;
typedef struct {
    void *zone; int op; const unsigned char *key; size_t key_len; int value_type;
    const unsigned char *str_value_buf; size_t str_value_len; double num_value;
    long exptime; int user_flags; char **errmsg; int *forcible;
} ngx_http_lua_shdict_store_params_t;
typedef struct {
    void *zone; const unsigned char *key; size_t key_len; double *num_value;
    char **errmsg; int has_init; double init; long init_ttl; int *forcible;
} ngx_http_lua_shdict_incr_params_t;
int ngx_http_lua_ffi_shdict_get_macos(ngx_http_lua_shdict_get_params_t *p);
int ngx_http_lua_ffi_shdict_store_macos(ngx_http_lua_shdict_store_params_t *p);
int ngx_http_lua_ffi_shdict_incr_macos(ngx_http_lua_shdict_incr_params_t *p);
            ]]
            local C = ffi.C
            local zone = C.ngx_http_lua_ffi_shdict_udata_to_zone(ngx.shared.dogs[1])
            ngx.say(zone ~= nil, " ", C.ngx_http_lua_ffi_shdict_udata_to_zone(io.stdout) == nil)
            local err = ffi.new("char *[1]")
            local forcible = ffi.new("int[1]")
            ngx.say(C.ngx_http_lua_ffi_shdict_store(zone, 0, "s", 1, 4, "hello", 5, 0, 0, 5, err, forcible))
            ngx.say(C.ngx_http_lua_ffi_shdict_store(zone, 0, "n", 1, 3, nil, 0, 2.5, 0, 0, err, forcible))
            ngx.say(C.ngx_http_lua_ffi_shdict_store(zone, 0, "b", 1, 1, nil, 0, 1, 0, 0, err, forcible))
            local rc = C.ngx_http_lua_ffi_shdict_store(zone, 1, "s", 1, 4, "x", 1, 0, 0, 0, err, forcible)
            ngx.say(rc, " ", ffi.string(err[0]))
            rc = C.ngx_http_lua_ffi_shdict_store(zone, 2, "z", 1, 3, nil, 0, 1, 0, 0, err, forcible)
            ngx.say(rc, " ", ffi.string(err[0]))
            local vt, buf = ffi.new("int[1]"), ffi.new("unsigned char[4]")
            local pbuf, len = ffi.new("unsigned char *[1]", buf), ffi.new("size_t[1]", 4)
            local num, flags, stale = ffi.new("double[1]"), ffi.new("int[1]"), ffi.new("int[1]")
            rc = C.ngx_http_lua_ffi_shdict_get(zone, "s", 1, vt, pbuf, len, num, flags, 0, stale, err)
            ngx.say(rc, " ", vt[0], " ", ffi.string(pbuf[0], len[0]), " ", flags[0], " ", pbuf[0] ~= buf)
            ffi.C.free(pbuf[0])
            pbuf[0], len[0] = buf, 4
            rc = C.ngx_http_lua_ffi_shdict_get(zone, "n", 1, vt, pbuf, len, num, flags, 0, stale, err)
            ngx.say(rc, " ", vt[0], " ", num[0])
            rc = C.ngx_http_lua_ffi_shdict_get(zone, "b", 1, vt, pbuf, len, num, flags, 0, stale, err)
            ngx.say(rc, " ", vt[0], " ", buf[0])
            rc = C.ngx_http_lua_ffi_shdict_get(zone, "none", 4, vt, pbuf, len, num, flags, 0, stale, err)
            ngx.say(rc, " ", vt[0])
            num[0] = 1
            rc = C.ngx_http_lua_ffi_shdict_incr(zone, "n", 1, num, err, 0, 0, 0, forcible)
            ngx.say(rc, " ", num[0])
            num[0] = 1
            rc = C.ngx_http_lua_ffi_shdict_incr(zone, "c", 1, num, err, 1, 10, 2000, forcible)
            ngx.say(rc, " ", num[0], " ", tonumber(C.ngx_http_lua_ffi_shdict_get_ttl(zone, "c", 1)))
            rc = C.ngx_http_lua_ffi_shdict_incr(zone, "s", 1, num, err, 0, 0, 0, forcible)
            ngx.say(rc, " ", ffi.string(err[0]))
            ngx.say(tonumber(C.ngx_http_lua_ffi_shdict_get_ttl(zone, "s", 1)), " ",
                    C.ngx_http_lua_ffi_shdict_set_expire(zone, "s", 1, 3000), " ",
                    tonumber(C.ngx_http_lua_ffi_shdict_get_ttl(zone, "s", 1)), " ",
                    C.ngx_http_lua_ffi_shdict_set_expire(zone, "none", 4, 1), " ",
                    tonumber(C.ngx_http_lua_ffi_shdict_get_ttl(zone, "none", 4)))
            ngx.say(tonumber(C.ngx_http_lua_ffi_shdict_capacity(zone)), " ",
                    tonumber(C.ngx_http_lua_ffi_shdict_free_space(zone)) == ngx.shared.dogs:free_space())

            local sp = ffi.new("ngx_http_lua_shdict_store_params_t")
            sp.zone, sp.op, sp.key, sp.key_len, sp.value_type = zone, 0, "m", 1, 4
            sp.str_value_buf, sp.str_value_len, sp.errmsg, sp.forcible = "macos", 5, err, forcible
            ngx.say(C.ngx_http_lua_ffi_shdict_store_macos(sp), " ", ngx.shared.dogs:get("m"))
            local gp = ffi.new("ngx_http_lua_shdict_get_params_t")
            pbuf[0], len[0] = buf, 4
            gp.zone, gp.key, gp.key_len, gp.value_type, gp.str_value_buf = zone, "n", 1, vt, pbuf
            gp.str_value_len, gp.num_value, gp.user_flags, gp.is_stale, gp.errmsg = len, num, flags, stale, err
            ngx.say(C.ngx_http_lua_ffi_shdict_get_macos(gp), " ", num[0])
            local ip = ffi.new("ngx_http_lua_shdict_incr_params_t")
            num[0] = 10
            ip.zone, ip.key, ip.key_len, ip.num_value, ip.errmsg, ip.forcible = zone, "n", 1, num, err, forcible
            ngx.say(C.ngx_http_lua_ffi_shdict_incr_macos(ip), " ", num[0])

            ngx.say(C.ngx_http_lua_ffi_shdict_flush_all(zone), " ", ngx.shared.dogs:get("n"))
        }
    }
--- request
GET /t
--- response_body
true true
0
0
0
-5 exists
-5 not found
0 4 hello 5 true
0 3 2.5
0 1 1
0 0
0 3.5
0 11 2000
-1 not a number
0 0 3000 -5 -5
1048576 true
0 macos
0 3.5
0 13.5
0 nil

=== TEST 41: every method is JIT-compiled
Each method runs in a hot loop of its own line; every loop must become a trace.
--- http_config
    lua_shared_dict dogs 1m;
--- config eval
"location = /t { content_by_lua_block {\n$::JitCode\n} }"
--- request
GET /t
--- response_body eval
$::JitOutput
--- error_log eval
[main::loop_traces(@::JitLines)]
--- no_error_log
NYI



=== TEST 42: the contents of a shared dict survive a reload (SIGHUP)
--- http_config
    lua_shared_dict cache 1m;
--- config
    location = /set { content_by_lua_block { ngx.shared.cache:set("k", "kept") ngx.say(ngx.worker.pid()) } }
    location = /get {
        content_by_lua_block {
            ngx.say(ngx.shared.cache:get("k"), " ", ngx.shared.cache:get("never"))
        }
    }
--- request eval
["GET /set", "GET /get", "GET /get"]
--- reload_between
--- response_body_like eval
["^\\d+\n\\z", "^kept nil\n\\z", "^kept nil\n\\z"]
