-- Per-call cost of FFI-backed APIs inside one request: a warm-up, then a timed loop.
-- The same file runs on both stacks. Returns nanoseconds per call (CPU time).
local clock = os.clock

local cases = {}

function cases.say(n)
    local say = ngx.say
    for _ = 1, n do
        say("x")
    end
end

function cases.get_phase(n)
    local get_phase = ngx.get_phase
    local hits = 0
    for _ = 1, n do
        if get_phase() == "content" then hits = hits + 1 end
    end
    return hits
end

function cases.status_get(n)
    local sum = 0
    for _ = 1, n do
        sum = sum + ngx.status
    end
    return sum
end

function cases.status_set(n)
    for i = 1, n do
        ngx.status = 200 + i % 2
    end
end

function cases.headers_sent(n)
    local hits = 0
    for _ = 1, n do
        if not ngx.headers_sent then hits = hits + 1 end
    end
    return hits
end

function cases.worker_id(n)
    local id = ngx.worker.id
    local sum = 0
    for _ = 1, n do
        sum = sum + id()
    end
    return sum
end

-- Below the error_log level: what most debug logging costs in production.
function cases.log_filtered(n)
    local log, DEBUG = ngx.log, ngx.DEBUG
    for i = 1, n do
        log(DEBUG, "value: ", i)
    end
end

function cases.sleep0(n)
    local sleep = ngx.sleep
    for _ = 1, n do
        sleep(0)
    end
end

-- A light thread that returns at once, waited on: spawn + wait of a zombie.
local function returns_at_once()
    return 1
end

function cases.thread_spawn_wait(n)
    local spawn, wait = ngx.thread.spawn, ngx.thread.wait
    local sum = 0
    for _ = 1, n do
        local _, v = wait(spawn(returns_at_once))
        sum = sum + v
    end
    return sum
end

function cases.var_uri(n)
    local var = ngx.var
    local len = 0
    for _ = 1, n do
        len = len + #var.uri
    end
    return len
end

-- Four headers from the client (Host, Accept-Encoding, User-Agent, Connection) and
-- four more: a typical small request.
function cases.req_get_headers(n)
    for i = 1, 4 do
        ngx.req.set_header("X-Bench-" .. i, "value " .. i)
    end
    local get_headers = ngx.req.get_headers
    local hits = 0
    for _ = 1, n do
        if get_headers()["x-bench-1"] then hits = hits + 1 end
    end
    return hits
end

-- Each call lists the headers anew: ours keeps the table built by a previous call
-- for the same headers and limit, and alternating the limit defeats that. The names
-- and values are those of the call before, as consecutive requests mostly repeat
-- them: ours then clones the table it made for these names (key shapes).
function cases.req_get_headers_fresh(n)
    for i = 1, 4 do
        ngx.req.set_header("X-Bench-" .. i, "value " .. i)
    end
    local get_headers = ngx.req.get_headers
    local hits = 0
    for i = 1, n do
        if get_headers(99 + i % 2)["x-bench-1"] then hits = hits + 1 end
    end
    return hits
end

function cases.req_get_uri_args(n)
    ngx.req.set_uri_args("a=1&b=two&c=hello%20world&d")
    local get_uri_args = ngx.req.get_uri_args
    local hits = 0
    for _ = 1, n do
        if get_uri_args().a then hits = hits + 1 end
    end
    return hits
end

-- A value changes before each call: setting it is part of the figure, on both
-- stacks.
function cases.req_get_headers_changing(n)
    for i = 1, 4 do
        ngx.req.set_header("X-Bench-" .. i, "value " .. i)
    end
    local get_headers, set_header = ngx.req.get_headers, ngx.req.set_header
    local hits = 0
    for i = 1, n do
        set_header("X-Bench-2", i % 2 == 0 and "even" or "odd")
        if get_headers()["x-bench-1"] then hits = hits + 1 end
    end
    return hits
end

function cases.req_get_uri_args_fresh(n)
    ngx.req.set_uri_args("a=1&b=two&c=hello%20world&d")
    local get_uri_args = ngx.req.get_uri_args
    local hits = 0
    for i = 1, n do
        if get_uri_args(99 + i % 2).a then hits = hits + 1 end
    end
    return hits
end

function cases.req_get_uri_args_changing(n)
    local set_uri_args, get_uri_args = ngx.req.set_uri_args, ngx.req.get_uri_args
    local queries = { "a=1&b=two&c=hello%20world&d", "a=2&b=two&c=hello%20there&d" }
    local hits = 0
    for i = 1, n do
        set_uri_args(queries[i % 2 + 1])
        if get_uri_args().a then hits = hits + 1 end
    end
    return hits
end

-- Before any output: the header is not sent yet.
function cases.resp_header_set(n)
    local header = ngx.header
    for _ = 1, n do
        header["X-Bench"] = "value"
    end
end

function cases.re_match(n)
    local match = ngx.re.match
    local m
    for _ = 1, n do
        m = match("hello world", [[(\w+) (\w+)]], "jo")
    end
    return m
end

function cases.re_match_unset(n)
    local match = ngx.re.match
    local m
    for _ = 1, n do
        m = match("hello world", [[(\w+)(x)? (\w+)]], "jo")
    end
    return m
end

function cases.re_split(n)
    local split = require("ngx.re").split
    local res
    for _ = 1, n do
        res = split("a,b,c,d", ",", "jo")
    end
    return res
end

function cases.re_find(n)
    local find = ngx.re.find
    local sum = 0
    for _ = 1, n do
        sum = sum + find("hello world", [[w\w+]], "jo")
    end
    return sum
end

function cases.re_gsub(n)
    local gsub = ngx.re.gsub
    local s
    for _ = 1, n do
        s = gsub("hello world", [[(o)]], "<$1>", "jo")
    end
    return s
end

function cases.re_gsub_func(n)
    local gsub = ngx.re.gsub
    local upper = function(m) return m[0] end
    local s
    for _ = 1, n do
        s = gsub("hello world", "o", upper, "jo")
    end
    return s
end

function cases.md5(n)
    local md5 = ngx.md5
    local s
    for _ = 1, n do
        s = md5("hello world")
    end
    return s
end

function cases.md5_bin(n)
    local md5_bin = ngx.md5_bin
    local s
    for _ = 1, n do
        s = md5_bin("hello world")
    end
    return s
end

function cases.sha1_bin(n)
    local sha1_bin = ngx.sha1_bin
    local s
    for _ = 1, n do
        s = sha1_bin("hello world")
    end
    return s
end

function cases.hmac_sha1(n)
    local hmac_sha1 = ngx.hmac_sha1
    local s
    for _ = 1, n do
        s = hmac_sha1("secret", "hello world")
    end
    return s
end

function cases.crc32_long(n)
    local crc32 = ngx.crc32_long
    local sum = 0
    for _ = 1, n do
        sum = sum + crc32("hello world")
    end
    return sum
end

function cases.crc32_short(n)
    local crc32 = ngx.crc32_short
    local sum = 0
    for _ = 1, n do
        sum = sum + crc32("hello world")
    end
    return sum
end

-- A new second each call, as a server formatting the current time meets it.
function cases.http_time(n)
    local http_time = ngx.http_time
    local s
    for i = 1, n do
        s = http_time(1290079655 + i)
    end
    return s
end

-- The current second, as most servers format it.
function cases.http_time_now(n)
    local http_time, time = ngx.http_time, ngx.time
    local s
    for _ = 1, n do
        s = http_time(time())
    end
    return s
end

function cases.cookie_time(n)
    local cookie_time = ngx.cookie_time
    local s
    for i = 1, n do
        s = cookie_time(1290079655 + i)
    end
    return s
end

function cases.today(n)
    local today = ngx.today
    local s
    for _ = 1, n do
        s = today()
    end
    return s
end

function cases.localtime(n)
    local localtime = ngx.localtime
    local s
    for _ = 1, n do
        s = localtime()
    end
    return s
end

function cases.utctime(n)
    local utctime = ngx.utctime
    local s
    for _ = 1, n do
        s = utctime()
    end
    return s
end

function cases.parse_http_time(n)
    local parse = ngx.parse_http_time
    local sum = 0
    for _ = 1, n do
        sum = sum + parse("Thu, 18 Nov 2010 11:27:35 GMT")
    end
    return sum
end

function cases.now(n)
    local now = ngx.now
    local sum = 0
    for _ = 1, n do
        sum = sum + now()
    end
    return sum
end

function cases.encode_base64(n)
    local encode = ngx.encode_base64
    local s
    for _ = 1, n do
        s = encode("hello world!")
    end
    return s
end

function cases.decode_base64(n)
    local decode = ngx.decode_base64
    local s
    for _ = 1, n do
        s = decode("aGVsbG8gd29ybGQh")
    end
    return s
end

function cases.escape_uri(n)
    local escape = ngx.escape_uri
    local s
    for _ = 1, n do
        s = escape("a b/c?d=e&f")
    end
    return s
end

function cases.unescape_uri(n)
    local unescape = ngx.unescape_uri
    local s
    for _ = 1, n do
        s = unescape("a%20b%2Fc%3Fd")
    end
    return s
end

function cases.quote_sql_str(n)
    local quote = ngx.quote_sql_str
    local s
    for _ = 1, n do
        s = quote("it's a \"test\"\n")
    end
    return s
end

-- Shared dictionary calls over 64 small keys, all present (bench.py declares the
-- zone `bench_percall`).
local shdict_keys = {}
for i = 1, 64 do
    shdict_keys[i] = "key:" .. i
end

local function shdict_filled()
    local dict = ngx.shared.bench_percall
    for i = 1, #shdict_keys do
        dict:set(shdict_keys[i], i)
    end
    return dict
end

function cases.shdict_get(n)
    local dict = shdict_filled()
    local keys = shdict_keys
    local sum = 0
    for i = 1, n do
        sum = sum + dict:get(keys[i % 64 + 1])
    end
    return sum
end

function cases.shdict_set(n)
    local dict = shdict_filled()
    local keys = shdict_keys
    for i = 1, n do
        dict:set(keys[i % 64 + 1], i)
    end
end

function cases.shdict_incr(n)
    local dict = shdict_filled()
    local keys = shdict_keys
    for i = 1, n do
        dict:incr(keys[i % 64 + 1], 1)
    end
end

local iterations = {
    say = 100000,
    req_get_headers = 200000,
    req_get_headers_fresh = 200000,
    req_get_uri_args = 200000,
    req_get_uri_args_fresh = 200000,
    req_get_headers_changing = 200000,
    req_get_uri_args_changing = 200000,
    sleep0 = 5000,
    thread_spawn_wait = 100000,
}

local _M = {}

-- Timed loops per case: the fastest is the figure, as other processes on the machine
-- only ever make a loop slower.
local ROUNDS = 5

function _M.run(name, scale)
    local fn = cases[name]
    local n = math.floor((iterations[name] or 1000000) * scale)
    -- Each case starts from a collected heap, not from what the cases before it left:
    -- how much garbage a GC cycle lets pile up, and so how LuaJIT's string table
    -- grows and shrinks, depends on the heap's size.
    collectgarbage()
    fn(math.floor(n / 10) + 1)
    local ns = math.huge
    for _ = 1, ROUNDS do
        local t0 = clock()
        fn(n)
        ns = math.min(ns, (clock() - t0) * 1e9 / n)
    end
    -- After the "say" case the body holds its output too: the figure is the last line.
    ngx.say(string.format("ns=%.3f", ns))
end

return _M
