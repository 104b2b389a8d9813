# The Lua API over HTTP/2 (h2c with prior knowledge, --- http2): output, response
# headers, request bodies, and a client that resets its stream (ngx.on_abort).
use lib 't/lib';
use NgxTest;
run_tests();
__DATA__

=== TEST 1: say, print and flush over a stream
--- http2
--- config
    location = /t {
        content_by_lua_block {
            ngx.say("proto ", ngx.var.server_protocol, " ", ngx.req.http_version())
            ngx.print("a", 1, "\n")
            ngx.flush()
            ngx.say("after flush")
            ngx.flush(true)
            ngx.say("end")
        }
    }
--- request
GET /t
--- response_body
proto HTTP/2.0 2
a1
after flush
end



=== TEST 2: flush(true) with a large body
--- http2
--- config
    location = /t {
        content_by_lua_block {
            local chunk = string.rep("x", 65535) .. "\n"
            for i = 1, 16 do
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
("x" x 65535 . "\n") x 16 . "end\n"
--- error_log
flush(true) returned 1 nil
--- no_forced_eagain: 1 MiB one byte at a time through EAGAIN takes minutes; TEST 1 flushes under it



=== TEST 3: response headers, status, several values, a removed header
--- http2
--- config
    location = /t {
        content_by_lua_block {
            ngx.status = 201
            ngx.header["X-One"] = "1"
            ngx.header["Set-Cookie"] = {"a=1", "b=2"}
            ngx.header.content_type = "text/html"
            ngx.header["X-Gone"] = "x"
            ngx.header["X-Gone"] = nil
            ngx.say(ngx.resp.get_headers()["x-one"])
        }
    }
--- request
GET /t
--- error_code: 201
--- response_headers
X-One: 1
Set-Cookie: a=1, b=2
Content-Type: text/html
!X-Gone
--- response_body
1



=== TEST 4: request headers and read_body / get_body_data, from several clients at once
--- http2
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            local h = ngx.req.get_headers()
            ngx.say(h["x-foo"], " ", h.host, " ", #ngx.req.get_body_data(), " ",
                    tostring(ngx.req.get_body_file()))
        }
    }
--- request eval
"POST /t\n" . ("b" x 3000)
--- more_headers
X-Foo: bar
--- concurrency: 3
--- response_body
bar localhost 3000 nil



=== TEST 5: a body bigger than client_body_buffer_size goes to a file
--- http2
--- config
    location = /t {
        client_body_buffer_size 1k;
        content_by_lua_block {
            ngx.req.read_body()
            local name = ngx.req.get_body_file()
            local f = assert(io.open(name, "rb"))
            local data = f:read("*a")
            f:close()
            ngx.say(tostring(ngx.req.get_body_data()), " ", #data, " ", data:sub(1, 3), data:sub(-3))
        }
    }
--- request eval
"POST /t\n" . ("a" x 10) . ("m" x 200000) . ("z" x 10)
--- response_body
nil 200020 aaazzz
--- error_log
a client request body is buffered to a temporary file



=== TEST 6: ngx.on_abort sees an HTTP/2 client reset its stream (issue #11)
--- http2
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.on_abort(function()
                ngx.log(ngx.WARN, "on_abort ran in ", ngx.get_phase())
                ngx.exit(499)
            end)
            ngx.sleep(2)
            ngx.log(ngx.ERR, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.2
--- log_level: debug
--- error_log eval
[qr/http2 RST_STREAM frame, sid:1 status:8/,
 qr/\[info\] .*client prematurely closed connection, client: .* HTTP\/2\.0/,
 "on_abort ran in content"]
--- no_error_log
handler went on



=== TEST 7: without a callback, lua_check_client_abort ends the request of a reset stream
--- http2
--- config
    location = /t {
        lua_check_client_abort on;
        content_by_lua_block {
            ngx.sleep(2)
            ngx.log(ngx.ERR, "handler went on")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- wait: 0.2
--- error_log
client prematurely closed connection
--- no_error_log
handler went on



=== TEST 8: without lua_check_client_abort the handler sleeps on after a reset and ends cleanly
--- http2
--- config
    location = /t {
        content_by_lua_block {
            ngx.sleep(0.3)
            ngx.log(ngx.WARN, "handler went on")
            ngx.say("lost")
        }
    }
--- request
GET /t
--- timeout: 0.1
--- abort
--- wait: 0.4
--- error_log
handler went on
