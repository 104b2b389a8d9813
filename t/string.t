# Hashing (ngx.md5, ngx.md5_bin, ngx.sha1_bin, ngx.hmac_sha1, ngx.crc32_*), base64
# (ngx.encode_base64, ngx.decode_base64, ngx.decode_base64mime, the ngx.base64 module),
# URI escaping (ngx.escape_uri, ngx.unescape_uri), ngx.quote_sql_str and
# resty.core.utils.str_replace_char.
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: digests
--- config
    location = /t {
        content_by_lua_block {
            local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
            ngx.say(ngx.md5("hello"), " ", ngx.md5(""), " ", ngx.md5(nil) == ngx.md5(""))
            ngx.say(ngx.md5(12.5) == ngx.md5("12.5"), " ", ngx.md5(true) == ngx.md5("true"), " ", ngx.md5(false) == ngx.md5(""))
            ngx.say(hex(ngx.md5_bin("hello")), " ", #ngx.md5_bin(nil))
            ngx.say(hex(ngx.sha1_bin("abc")), " ", hex(ngx.sha1_bin("")))
            ngx.say(ngx.md5(string.rep("a", 1000000)))
        }
    }
--- request
GET /t
--- response_body
5d41402abc4b2a76b9719d911017c592 d41d8cd98f00b204e9800998ecf8427e true
true true true
5d41402abc4b2a76b9719d911017c592 16
a9993e364706816aba3e25717850c26c9cd0d89d da39a3ee5e6b4b0d3255bfef95601890afd80709
7707d6ae4e027c70eea2a935c2296f21

=== TEST 2: ngx.hmac_sha1 (RFC 2202 vectors) and its argument checks
--- config
    location = /t {
        content_by_lua_block {
            local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
            ngx.say(hex(ngx.hmac_sha1(string.rep("\11", 20), "Hi There")))
            ngx.say(hex(ngx.hmac_sha1("Jefe", "what do ya want for nothing?")))
            ngx.say(hex(ngx.hmac_sha1(string.rep("\170", 80), "Test Using Larger Than Block-Size Key - Hash Key First")))
            ngx.say(hex(ngx.hmac_sha1(string.rep("k", 64), "msg")))
            ngx.say(hex(ngx.hmac_sha1("", "")))
            ngx.say(ngx.hmac_sha1(12, 34) == ngx.hmac_sha1("12", "34"))
            ngx.say(pcall(ngx.hmac_sha1, nil, "x"))
            ngx.say(pcall(ngx.hmac_sha1, "x", {}))
            ngx.say(pcall(ngx.hmac_sha1, "x"))
        }
    }
--- request
GET /t
--- response_body
b617318655057264e28bc0b6fb378c8ef146be00
effcdf6ae5eb2fa2d27416d5f184df9c259a7c79
aa4ae5e15272d00e95705637ce8a3b55ed402112
1b372955c5162b8ba20a1974833498d3f7ec728a
fbdb1d1b18aa6c08324b7d64b71fb76370690e1d
true
falsebad argument #1 to 'hmac_sha1' (string expected, got nil)
falsebad argument #2 to 'hmac_sha1' (string expected, got table)
falseexpecting 2 arguments, but got 1

=== TEST 3: crc32
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.crc32_short("hello"), " ", ngx.crc32_long("hello"))
            ngx.say(ngx.crc32_short(""), " ", ngx.crc32_long(nil), " ", ngx.crc32_short(123) == ngx.crc32_short("123"))
            ngx.say(ngx.crc32_long("123456789"), " ", ngx.crc32_long(string.rep("x", 100000)))
        }
    }
--- request
GET /t
--- response_body
907060870 907060870
0 0 true
3421780262 4261876081

=== TEST 4: ngx.encode_base64 and ngx.decode_base64
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.encode_base64("hello"), " [", ngx.encode_base64(""), "] [", ngx.encode_base64(nil), "]")
            ngx.say(ngx.encode_base64(3.14), " ", ngx.encode_base64(true), " ", ngx.encode_base64("hello", true))
            ngx.say(ngx.encode_base64("he", true), " ", ngx.encode_base64("h", false))
            ngx.say(pcall(ngx.encode_base64, "h", 1))
            ngx.say(pcall(ngx.encode_base64, "h", "yes"))
            ngx.say(ngx.decode_base64("aGVsbG8="), " ", ngx.decode_base64("aGVsbG8"), " [", ngx.decode_base64(""), "]")
            ngx.say(ngx.decode_base64("a"), " ", ngx.decode_base64("aGVs bG8="), " ", ngx.decode_base64("_-_-"))
            ngx.say(ngx.decode_base64("aGVsbG8=ignored"))
            ngx.say(pcall(ngx.decode_base64, nil))
            ngx.say(pcall(ngx.decode_base64, 12))
            ngx.say(#ngx.decode_base64(string.rep("a", 5460)), " ", #ngx.decode_base64(string.rep("a", 5462)))
            local all = {}
            for i = 0, 255 do all[#all + 1] = string.char(i) end
            all = table.concat(all):rep(100)
            ngx.say(ngx.decode_base64(ngx.encode_base64(all)) == all, " ",
                    ngx.decode_base64(ngx.encode_base64(all, true)) == all)
        }
    }
--- request
GET /t
--- response_body
aGVsbG8= [] []
My4xNA== dHJ1ZQ== aGVsbG8
aGU aA==
falsebad no_padding: boolean expected, got number
falsebad no_padding: boolean expected, got string
hello hello []
nil nil nil
hello
falsestring argument only
falsestring argument only
4095 4096
true true

=== TEST 5: ngx.decode_base64mime skips what is outside the alphabet
--- config
    location = /t {
        content_by_lua_block {
            local text = string.rep("OpenResty-style MIME text. ", 20)
            local wrapped = ngx.encode_base64(text):gsub(("."):rep(76), "%0\r\n")
            ngx.say(ngx.decode_base64mime(wrapped) == text)
            ngx.say(ngx.decode_base64mime("aGVs\nbG8="), " ", ngx.decode_base64mime("!a@G#V$s%b^G&8*=\n"))
            ngx.say("[", ngx.decode_base64mime(""), "] [", ngx.decode_base64mime("^&$"), "]")
            ngx.say(ngx.decode_base64mime("zaaLg=="))
            ngx.say(pcall(ngx.decode_base64mime, nil))
        }
    }
--- request
GET /t
--- response_body
true
hello hello
[] []
nil
falsestring argument only

=== TEST 6: the ngx.base64 module
--- config
    location = /t {
        content_by_lua_block {
            local b64 = require "ngx.base64"
            ngx.say(b64.encode_base64url("\255\254\253"), " [", b64.encode_base64url(""), "] ", b64.encode_base64url("f"))
            ngx.say(b64.encode_base64url(nil))
            ngx.say(b64.decode_base64url("_w") == "\255", " ", b64.decode_base64url("Zm9vYmFy"))
            ngx.say(b64.decode_base64url("     "))
            ngx.say(b64.decode_base64url("+/"))
            ngx.say(b64.decode_base64url(5))
            ngx.say(b64.decode_base64mime("aGVs\r\nbG8="), " ", b64.decode_base64mime("zaaLg=="))
            ngx.say(b64.decode_base64mime(nil))
        }
    }
--- request
GET /t
--- response_body
__79 [] Zg
nilmust provide a string
true foobar
nilinvalid input
nilinvalid input
nilmust provide a string
hello nilinvalid input
nilmust provide a string

=== TEST 7: base64 as nginx's own functions do it
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            ffi.cdef[[
                void ngx_encode_base64(ngx_str_t *dst, ngx_str_t *src);
                intptr_t ngx_decode_base64(ngx_str_t *dst, ngx_str_t *src);
                void ngx_encode_base64url(ngx_str_t *dst, ngx_str_t *src);
                intptr_t ngx_decode_base64url(ngx_str_t *dst, ngx_str_t *src);
            ]]
            local C = ffi.C
            local b64 = require "ngx.base64"
            local src, dst = ffi.new("ngx_str_t"), ffi.new("ngx_str_t")
            local buf = ffi.new("unsigned char[256]")
            local function nginx(fn, s)
                src.data, src.len = s, #s
                dst.data, dst.len = buf, 256
                if fn:find("decode") then
                    if C[fn](dst, src) ~= 0 then return nil end
                else
                    C[fn](dst, src)
                end
                return ffi.string(dst.data, dst.len)
            end
            local seed, bad = 7, 0
            local function random(n)
                seed = (seed * 1103515245 + 12345) % 2147483648
                return seed % n
            end
            local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \n!"
            for i = 1, 50000 do
                local raw, enc = {}, {}
                for j = 1, random(40) do raw[j] = string.char(random(256)) end
                for j = 1, random(40) do
                    local k = 1 + random(#alphabet)
                    enc[j] = alphabet:sub(k, k)
                end
                raw, enc = table.concat(raw), table.concat(enc)
                if nginx("ngx_encode_base64", raw) ~= ngx.encode_base64(raw)
                   or nginx("ngx_encode_base64url", raw) ~= b64.encode_base64url(raw)
                   or nginx("ngx_decode_base64", enc) ~= ngx.decode_base64(enc)
                   or nginx("ngx_decode_base64url", enc) ~= b64.decode_base64url(enc) then
                    bad = bad + 1
                    if bad < 4 then ngx.say("differs: ", ngx.encode_base64(raw), " ", enc) end
                end
            end
            ngx.say("mismatches: ", bad)
        }
    }
--- request
GET /t
--- timeout: 20
--- response_body
mismatches: 0

=== TEST 8: ngx.escape_uri and ngx.unescape_uri
--- config
    location = /t {
        content_by_lua_block {
            local s = "a b/c?d=e&f#g%h~i-j_k.l!m*n'o(p)q+r\"s<t>u"
            ngx.say(ngx.escape_uri(s))
            for t = 0, 7 do ngx.say(t, ": ", ngx.escape_uri(s, t)) end
            local raw = ngx.escape_uri("\0\127\255", 5):gsub("[\127-\255]", function(c)
                return ("<%02x>"):format(c:byte())
            end)
            ngx.say(ngx.escape_uri("\0\31\127\128\255", 0), " ", raw)
            ngx.say(ngx.escape_uri("你"), " [", ngx.escape_uri(nil), "] ", ngx.escape_uri(123))
            ngx.say(pcall(ngx.escape_uri, "a", 8))
            ngx.say(pcall(ngx.escape_uri, "a", -1))
            ngx.say(pcall(ngx.escape_uri, "a", "2"))
            ngx.say(ngx.unescape_uri("a%20b+c%2F%2f"), " ", ngx.unescape_uri("try %search%%20%again%"))
            ngx.say(ngx.unescape_uri("%E4%BD%A0"), " [", ngx.unescape_uri(nil), "] ", ngx.unescape_uri(42))
            local big = string.rep("a b ", 5000)
            ngx.say(#ngx.escape_uri(big), " ", ngx.unescape_uri(ngx.escape_uri(big)) == big)
            local plain = string.rep("x", 10000)
            ngx.say(ngx.escape_uri(plain) == plain)
        }
    }
--- request
GET /t
--- response_body
a%20b%2Fc%3Fd%3De%26f%23g%25h~i-j_k.l!m*n'o(p)q%2Br%22s%3Ct%3Eu
0: a%20b/c%3Fd=e&f%23g%25h~i-j_k.l!m*n'o(p)q+r"s<t>u
1: a%20b/c%3Fd=e&f%23g%25h~i-j_k.l!m*n'o(p)q%2Br"s<t>u
2: a%20b%2Fc%3Fd%3De%26f%23g%25h~i-j_k.l!m*n'o(p)q%2Br%22s%3Ct%3Eu
3: a%20b/c?d=e&f%23g%25h~i-j_k.l!m*n%27o(p)q+r%22s<t>u
4: a%20b/c?d=e&f#g%h~i-j_k.l!m*n%27o(p)q+r%22s<t>u
5: a%20b/c?d=e&f#g%25h~i-j_k.l!m*n'o(p)q+r"s<t>u
6: a%20b/c?d=e&f#g%25h~i-j_k.l!m*n'o(p)q+r"s<t>u
7: a%20b%2Fc%3Fd%3De&f#g%h~i-j_k.l!m*n'o%28p%29q+r%22s%3Ct%3Eu
%00%1F%7F%80%FF %00<7f><ff>
%E4%BD%A0 [] 123
false"esc_type" 8 out of range
false"esc_type" -1 out of range
false"esc_type" is not number
a b c// try %search% %again%
你 [] 42
40000 true
true

=== TEST 9: ngx.quote_sql_str and str_replace_char
--- config
    location = /t {
        content_by_lua_block {
            ngx.say(ngx.quote_sql_str("it's \"a\"\n\0\26\\\b\r\t"))
            ngx.say(ngx.quote_sql_str(12), " ", ngx.quote_sql_str(""))
            ngx.say(pcall(ngx.quote_sql_str, nil))
            ngx.say(pcall(ngx.quote_sql_str))
            ngx.say(pcall(ngx.quote_sql_str, "a", "b"))
            ngx.say(#ngx.quote_sql_str(string.rep("'", 5000)))
            local utils = require "resty.core.utils"
            ngx.say(utils.str_replace_char("a-b-c", "-", "_"), " ", utils.str_replace_char("abc", "-", "_"))
        }
    }
--- request
GET /t
--- response_body_like chomp
^'it\\'s \\"a\\"\\n\\0\\Z\\\\\\b\\r\\t'
'12' ''
falsebad argument #1 to 'quote_sql_str' \(string expected, got nil\)
falseexpecting one argument
falseexpecting one argument
10002
a_b_c abc
$

=== TEST 10: OpenResty's ABI for these functions
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            local C = ffi.C
            require "resty.core.hash"
            require "resty.core.base64"
            require "resty.core.uri"
            require "resty.core.utils"
            local buf = ffi.new("unsigned char[64]")
            local len = ffi.new("size_t[1]")
            C.ngx_http_lua_ffi_md5(buf, 0, buf)
            ngx.say(ffi.string(buf, 32))
            ngx.say(C.ngx_http_lua_ffi_sha1_bin("abc", 3, buf), " ", C.ngx_http_lua_ffi_crc32_long("hello", 5),
                    " ", C.ngx_http_lua_ffi_crc32_short("hello", 5))
            local n = C.ngx_http_lua_ffi_encode_base64("hello", 5, buf, 1)
            ngx.say(ffi.string(buf, n), " ", C.ngx_http_lua_ffi_decode_base64("aGk=", 4, buf, len), " ", ffi.string(buf, len[0]))
            ngx.say(C.ngx_http_lua_ffi_decode_base64("a", 1, buf, len), " ", C.ngx_http_lua_ffi_decode_base64mime("a\nGk", 4, buf, len), " ", ffi.string(buf, len[0]))
            n = C.ngx_http_lua_ffi_uri_escaped_length("a b", 3, 2)
            C.ngx_http_lua_ffi_escape_uri("a b", 3, buf, 2)
            ngx.say(tonumber(n), " ", ffi.string(buf, n), " ", ffi.string(buf, C.ngx_http_lua_ffi_unescape_uri("a%20b", 5, buf)))
            ffi.copy(buf, "a.b.c")
            C.ngx_http_lua_ffi_str_replace_char(buf, 5, 46, 47)
            ngx.say(ffi.string(buf, 5))
        }
    }
--- request
GET /t
--- response_body
d41d8cd98f00b204e9800998ecf8427e
1 907060870 907060870
aGVsbG8 1 hi
0 1 hi
5 a%20b a b
a/b/c

=== TEST 11: they work in init_by_lua, init_worker_by_lua and log_by_lua
--- http_config
    init_by_lua_block {
        ngx.log(ngx.WARN, "init: ", ngx.md5("a"), " ", ngx.encode_base64("a"), " ", ngx.escape_uri("a b"))
    }
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "init_worker: ", ngx.crc32_long("a"), " ", ngx.decode_base64("YQ=="),
                " ", ngx.quote_sql_str("a"))
    }
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.log(ngx.WARN, "log: ", #ngx.sha1_bin("a"), " ", ngx.unescape_uri("a%20b"),
                    " ", #ngx.hmac_sha1("k", "a"), " ", require("ngx.base64").encode_base64url("a"))
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init: 0cc175b9c0f1b6a831c399e269772661 YQ== a%20b
init_worker: 3904355907 a 'a'
log: 20 a b 20 YQ

=== TEST 12: hashing is JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local md5, md5_bin, sha1_bin, hmac_sha1 = ngx.md5, ngx.md5_bin, ngx.sha1_bin, ngx.hmac_sha1
            local crc32_short, crc32_long = ngx.crc32_short, ngx.crc32_long
            local n = 0
            for i = 1, 300 do
                n = n + #md5("a") + #md5_bin("a") + #sha1_bin("a") + #hmac_sha1("k", "a")
                      + crc32_short("a") % 2 + crc32_long("a") % 2
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
27000
--- error_log eval
qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):6 loop\]/
--- no_error_log
NYI

=== TEST 13: base64 and escaping are JIT-compiled
--- config
    location = /t {
        content_by_lua_block {
            require("jit.v").on()
            local b64 = require "ngx.base64"
            local enc, dec, mime = ngx.encode_base64, ngx.decode_base64, ngx.decode_base64mime
            local esc, unesc, quote = ngx.escape_uri, ngx.unescape_uri, ngx.quote_sql_str
            local replace = require("resty.core.utils").str_replace_char
            local n = 0
            for i = 1, 300 do
                n = n + #enc("hello") + #dec("aGVsbG8=") + #mime("aGVs\nbG8=")
                      + #b64.encode_base64url("hi") + #b64.decode_base64url("aGk")
            end
            for i = 1, 300 do
                n = n + #esc("a b") + #unesc("a%20b") + #quote("it's") + #replace("a.b", ".", "/")
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
12300
--- error_log eval
[qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):8 loop\]/,
 qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):12 loop\]/]
--- no_error_log
NYI
