# ngx.now, ngx.time, ngx.update_time, ngx.today, ngx.localtime, ngx.utctime,
# ngx.http_time, ngx.cookie_time, ngx.parse_http_time, ngx.req.start_time and
# resty.core.time's monotonic clock.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: ngx.now, ngx.time and ngx.update_time
--- config
    location = /t {
        content_by_lua_block {
            local now, t = ngx.now(), ngx.time()
            ngx.say(type(now), " ", type(t), " ", t == math.floor(now), " ", math.abs(t - os.time()) <= 1)
            ngx.say(now * 1000 % 1 == 0)
            ngx.sleep(0.01)
            local before = ngx.now()
            local deadline = os.clock() + 0.02
            while os.clock() < deadline do end
            ngx.say(ngx.now() == before)
            ngx.update_time()
            ngx.say(ngx.now() > before)
        }
    }
--- request
GET /t
--- response_body
number number true true
true
true
true

=== TEST 2: ngx.today, ngx.localtime and ngx.utctime
--- config
    location = /t {
        content_by_lua_block {
            local today, localtime, utctime = ngx.today(), ngx.localtime(), ngx.utctime()
            ngx.say(today:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil)
            ngx.say(localtime:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil)
            ngx.say(utctime:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil)
            ngx.say(utctime == os.date("!%Y-%m-%d %H:%M:%S", ngx.time()))
            ngx.say(localtime == os.date("%Y-%m-%d %H:%M:%S", ngx.time()))
            ngx.say(today == os.date("%Y-%m-%d", ngx.time()))
        }
    }
--- request
GET /t
--- response_body
true
true
true
true
true
true

=== TEST 3: ngx.today, ngx.localtime and ngx.utctime follow the clock
--- config
    location = /t {
        content_by_lua_block {
            local before, t = ngx.utctime(), ngx.time()
            while ngx.time() == t do
                ngx.update_time()
            end
            local after = ngx.utctime()
            ngx.say(before ~= after, " ", after == os.date("!%Y-%m-%d %H:%M:%S", ngx.time()),
                    " ", ngx.localtime() == os.date("%Y-%m-%d %H:%M:%S", ngx.time()),
                    " ", ngx.today() == os.date("%Y-%m-%d", ngx.time()))
        }
    }
--- request
GET /t
--- response_body
true true true true



=== TEST 4: ngx.http_time and ngx.cookie_time
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.http_time(1290079655))
            ngx.say(ngx.http_time(0))
            ngx.say(ngx.http_time(1.9))
            ngx.say(ngx.http_time(1290079655), " ", ngx.http_time(1290079656))
            ngx.say(ngx.cookie_time(1290079655))
            ngx.say(ngx.cookie_time(2145916555))
            ngx.say(ngx.cookie_time(2177452800))
            -- before 1970 and after 9999: real dates (nginx's own formatting gives 1970)
            ngx.say(ngx.http_time(-1))
            ngx.say(ngx.http_time(253402300800))
            ngx.say(pcall(ngx.http_time, "1290079655"))
            ngx.say(pcall(ngx.cookie_time, nil))
        }
    }
--- request
GET /t
--- response_body_like chomp
^Thu, 18 Nov 2010 11:27:35 GMT
Thu, 01 Jan 1970 00:00:00 GMT
Thu, 01 Jan 1970 00:00:01 GMT
Thu, 18 Nov 2010 11:27:35 GMT Thu, 18 Nov 2010 11:27:36 GMT
Thu, 18-Nov-10 11:27:35 GMT
Thu, 31-Dec-37 23:55:55 GMT
Sat, 01-Jan-2039 00:00:00 GMT
Wed, 31 Dec 1969 23:59:59 GMT
Sat, 01 Jan 10000 00:00:00 GMT
falsenumber argument only
falsenumber argument only
$

=== TEST 5: ngx.parse_http_time
--- config
    location = /t {
        content_by_lua_block {
            local parse = ngx.parse_http_time
            ngx.say(parse("Thu, 18 Nov 2010 11:27:35 GMT"))
            ngx.say(parse("Thursday, 18-Nov-10 11:27:35 GMT"))
            ngx.say(parse("Thu Nov 18 11:27:35 2010"))
            ngx.say(parse("Sun Nov  6 08:49:37 1994"))
            ngx.say(parse("Tue, 29 Feb 2000 00:00:00 GMT"))
            ngx.say(parse("Thu, 29 Feb 1900 00:00:00 GMT"))
            ngx.say(parse("Thu, 18 Nov 2010 24:00:00 GMT"))
            ngx.say(parse("Thu, 18 Nov 2010 11:27"))
            ngx.say(parse("garbage"))
            ngx.say(parse(""))
            -- -1 is also nginx's error value: OpenResty answers nil for it too
            ngx.say(parse("Wed, 31 Dec 1969 23:59:59 GMT"))
            ngx.say(parse("Wed, 31 Dec 1969 23:59:58 GMT"))
            ngx.say(pcall(parse, 1290079655))
        }
    }
--- request
GET /t
--- response_body
1290079655
1290079655
1290079655
784111777
951782400
nil
nil
nil
nil
nil
nil
-2
falsestring argument only

=== TEST 6: dates formatted and parsed as nginx's own functions do
Hundreds of thousands of dates mutated at random, parsed by ngx.parse_http_time and by
the nginx binary's ngx_parse_http_time; times formatted by both.
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            ffi.cdef[[
                long ngx_parse_http_time(unsigned char *value, size_t len);
                unsigned char *ngx_http_time(unsigned char *buf, long t);
                unsigned char *ngx_http_cookie_time(unsigned char *buf, long t);
            ]]
            local C = ffi.C
            local buf = ffi.new("unsigned char[64]")
            local seed = 12345
            local function random(n)
                seed = (seed * 1103515245 + 12345) % 2147483648
                return seed % n
            end
            local alphabet = "0123456789 ,-:JFMASONDaebrpyulgctov"
            local samples = {
                "Thu, 18 Nov 2010 11:27:35 GMT", "Thursday, 18-Nov-10 11:27:35 GMT",
                "Sun Nov  6 08:49:37 1994", "Sat, 29 Feb 2020 23:59:59 GMT",
            }
            local mismatches = 0
            for i = 1, 200000 do
                local s = samples[i % #samples + 1]
                for _ = 1, 1 + random(3) do
                    local at = 1 + random(#s)
                    local c = random(2) == 0 and string.char(random(256))
                              or alphabet:sub(1 + random(#alphabet), 1 + random(#alphabet))
                    s = s:sub(1, at - 1) .. c .. s:sub(at + 1 + random(2))
                end
                local theirs = tonumber(C.ngx_parse_http_time(ffi.cast("unsigned char *", s), #s))
                local ours = ngx.parse_http_time(s)
                if (theirs == -1 and ours ~= nil) or (theirs ~= -1 and ours ~= theirs) then
                    mismatches = mismatches + 1
                    if mismatches < 5 then ngx.say("parse: ", s, " ", theirs, " ", ours) end
                end
            end
            for i = 1, 100000 do
                local t = random(2147483647) + random(2) * random(2147483647) * 3
                local http = ffi.string(buf, C.ngx_http_time(buf, t) - buf)
                local cookie = ffi.string(buf, C.ngx_http_cookie_time(buf, t) - buf)
                if http ~= ngx.http_time(t) or cookie ~= ngx.cookie_time(t) then
                    mismatches = mismatches + 1
                    if mismatches < 5 then ngx.say("format: ", t, " ", http, " ", ngx.http_time(t)) end
                end
            end
            ngx.say("mismatches: ", mismatches)
        }
    }
--- request
GET /t
--- timeout: 20
--- response_body
mismatches: 0

=== TEST 7: ngx.req.start_time
--- config
    location = /t {
        access_by_lua_block {
            ngx.log(ngx.WARN, "access start_time: ", type(ngx.req.start_time()))
        }
        content_by_lua_block {
            local start = ngx.req.start_time()
            ngx.say(type(start), " ", start <= ngx.now(), " ", ngx.now() - start < 5)
            ngx.say(start * 1000 % 1 < 1e-3 or start * 1000 % 1 > 1 - 1e-3)
        }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log start_time: ", type(ngx.req.start_time()))
        }
    }
--- request
GET /t
--- response_body
number true true
true
--- error_log
access start_time: number
log start_time: number

=== TEST 8: ngx.req.start_time needs a request
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.req.start_time)
        ngx.log(ngx.WARN, "init: ", err)
    }
    init_worker_by_lua_block {
        local ok, err = pcall(ngx.req.start_time)
        ngx.log(ngx.WARN, "init_worker: ", err)
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: no request found
init_worker: no request found

=== TEST 9: the time functions work in init_by_lua, init_worker_by_lua and log_by_lua
--- http_config
    init_by_lua_block {
        local mono = require "resty.core.time"
        ngx.log(ngx.WARN, "init: ", ngx.http_time(0), " ", type(ngx.now()), " ",
                #ngx.today(), " ", mono.monotonic_msec() > 0)
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: ", ngx.parse_http_time("Thu, 01 Jan 1970 00:00:01 GMT"),
                " ", #ngx.localtime(), " ", ngx.cookie_time(0))
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.update_time()
            ngx.log(ngx.WARN, "log: ", #ngx.utctime(), " ", ngx.time() > 0)
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: Thu, 01 Jan 1970 00:00:00 GMT number 10 true
init_worker: 1 19 Thu, 01-Jan-70 00:00:00 GMT
log: 19 true

=== TEST 10: resty.core.time's monotonic clock
--- config
    location = /t {
        content_by_lua_block {
            local mono = require "resty.core.time"
            local a, t = mono.monotonic_msec(), mono.monotonic_time()
            ngx.say(type(a), " ", a % 1 == 0, " ", math.abs(t * 1000 - a) < 1000)
            ngx.sleep(0.05)
            ngx.say(mono.monotonic_msec() - a >= 40)
        }
    }
--- request
GET /t
--- response_body
number true true
true

=== TEST 11: compiled loops see the clock move with ngx.update_time
ngx.now and ngx.time read nginx's cached time in place; a compiled loop must read it
again after each ngx.update_time (a bound on the spins turns a stale read into a
failure instead of a hang; a floor keeps the first loop running until LuaJIT compiles
it, however long its hot counter, shared with other code, takes). They give what the
C functions of the ABI give.
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local now, time, update_time = ngx.now, ngx.time, ngx.update_time
            update_time()  -- loading jit.v may take longer than the 3 ms waited for below
            local start, spins = now(), 0
            repeat spins = spins + 1 update_time() until (now() >= start + 0.003 and spins > 1e5) or spins > 5e7
            ngx.say("now moved: ", now() >= start + 0.003)
            local second = time()
            spins = 0
            repeat spins = spins + 1 update_time() until time() > second or spins > 1e8
            ngx.say("time moved: ", time() == second + 1)
            local ffi = require "ffi"
            ngx.say(now() == ffi.C.ngx_http_lua_ffi_now(), " ", time() == tonumber(ffi.C.ngx_http_lua_ffi_time()))
        }
    }
--- request
GET /t
--- timeout: 5
--- response_body
now moved: true
time moved: true
true true
--- error_log eval
[main::loop_traces(6, 10)]
--- no_error_log
NYI

=== TEST 12: the time functions are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local now, time, today, http_time = ngx.now, ngx.time, ngx.today, ngx.http_time
            local sum = 0
            for i = 1, 300 do
                sum = sum + now() - time() + #today() + #http_time(1290079655 + i)
            end
            local parse, cookie_time, start_time = ngx.parse_http_time, ngx.cookie_time, ngx.req.start_time
            for i = 1, 300 do
                sum = sum + parse(http_time(1290079655 + i)) + #cookie_time(i) + start_time()
            end
            local localtime, utctime = ngx.localtime, ngx.utctime
            for _ = 1, 300 do
                sum = sum + #localtime() + #utctime()
            end
            ngx.say(sum > 0)
        }
    }
--- request
GET /t
--- response_body
true
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):5 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):9 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):13 loop\]/]
--- no_error_log
NYI
