# Self-test of t/lib/NgxTest.pm against Debian's plain nginx: every block uses
# --- no_module, so it passes without our module being built.

use lib 't/lib';
use NgxTest;

# Response framing helpers, checked directly: plain nginx cannot be made to
# send a truncated response.
is_deeply([NgxTest::decode_chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")],
          ["hello world", ''], 'chunked body decodes');
ok((NgxTest::decode_chunked("5\r\nhello\r\n"))[1], 'chunked body without last chunk is truncated');
ok(NgxTest::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 'GET')->{truncated},
   'short Content-Length body is truncated');
ok(!NgxTest::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 'HEAD')->{truncated},
   'HEAD response has no body');

run_tests();

__DATA__

=== TEST 1: response_body is compared exactly
--- no_module
--- config
    location = /t {
        return 200 "hi\n";
    }
--- request
GET /t
--- response_body
hi
--- no_error_log
[error]



=== TEST 2: chomp filter for a body without final newline, eval filter
--- no_module
--- config
    location = /a { return 200 "no newline"; }
    location = /b { return 200 "two\nlines\n"; }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["no newline", "two\nlines\n"]



=== TEST 3: error_code and response_body_like
--- no_module
--- config
    location = /t {
        return 404;
    }
--- request
GET /t
--- error_code: 404
--- status_line: HTTP/1.1 404 Not Found
--- response_body_like
<title>404 Not Found</title>



=== TEST 4: response_headers, present, absent and like
--- no_module
--- config
    location = /t {
        add_header X-Foo "bar baz" always;
        return 200 "ok\n";
    }
--- request
GET /t
--- response_headers
X-Foo: bar baz
x-foo: bar baz
Content-Length: 3
!X-Absent
!Transfer-Encoding
--- response_headers_like
Server: ^nginx
Date: GMT$



=== TEST 5: more_headers reach the server
--- no_module
--- config
    location = /t {
        return 200 "$http_x_foo|$http_host|$http_connection\n";
    }
--- request
GET /t
--- more_headers
X-Foo: hello world
Host: example.com
--- response_body
hello world|example.com|close



=== TEST 6: request body from the request section gets a Content-Length
--- no_module
--- config
    location = /t {
        return 200 "$content_length $request_method\n";
    }
--- request
POST /t
hello
world
--- response_body
11 POST



=== TEST 7: request_body section is sent as is
--- no_module
--- config
    location = /t {
        return 200 "$content_length\n";
    }
--- request
PUT /t
--- request_body
abc
--- response_body
4



=== TEST 8: array of requests, per-request error codes, scalar body check
--- no_module
--- config
    location = /a { return 200 "same\n"; }
    location = /b { return 201 "same\n"; }
--- request eval
["GET /a", "GET /b", "GET /a?x=1"]
--- error_code eval
[200, 201, 200]
--- response_body
same



=== TEST 9: raw_request, HTTP/1.0
--- no_module
--- config
    location = /t { return 200 "$server_protocol\n"; }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body
HTTP/1.0



=== TEST 10: HEAD response has headers only
--- no_module
--- config
    location = /t { return 200 "hi\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 3
--- response_body chomp



=== TEST 11: must_die on an unknown directive
--- no_module
--- config
    location = /t {
        no_such_directive on;
    }
--- must_die
--- error_log
unknown directive "no_such_directive"



=== TEST 12: error_log, no_error_log and grep_error_log on nginx's own log
--- no_module
--- config
    location /files/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
GET /files/missing.html
--- error_code: 404
--- error_log eval
["[error]", "No such file or directory", qr/open\(\) "[^"]+missing\.html" failed/]
--- no_error_log
[crit]
[warn]
--- grep_error_log eval: qr/open\(\) "[^"]+" failed/
--- grep_error_log_out
open() "$TEST_NGINX_HTML_DIR/files/missing.html" failed



=== TEST 13: user_files served from $TEST_NGINX_HTML_DIR
--- no_module
--- config
    location / {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> hello.txt
hello file
>>> sub/dir/nested.txt
nested
two lines
--- request eval
["GET /hello.txt", "GET /sub/dir/nested.txt"]
--- response_body eval
["hello file\n", "nested\ntwo lines\n"]



=== TEST 14: chunked response is decoded (SSI drops Content-Length)
--- no_module
--- config
    location / {
        root $TEST_NGINX_HTML_DIR;
        ssi on;
    }
--- user_files
>>> page.html
a<!--# echo var="uri" -->b
--- request
GET /page.html
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
a/page.htmlb



=== TEST 15: wait, log_level and workers
--- no_module
--- workers: 2
--- log_level: info
--- config
    location = /t { return 200 "port $server_port\n"; }
--- request
GET /t
--- wait: 0.3
--- response_body
port $TEST_NGINX_SERVER_PORT
--- no_error_log
[debug]



=== TEST 16: client abort while nginx waits for the request body
--- no_module
--- config
    location = /upload {
        proxy_pass http://127.0.0.1:1;
    }
--- request
POST /upload
hello
--- more_headers
Content-Length: 100
--- timeout: 0.3
--- abort
--- error_log
client prematurely closed connection



=== TEST 17: ignore_response
--- no_module
--- config
    location = /t { return 444; }
--- request
GET /t
--- ignore_response



=== TEST 18: main_config and http_config
--- no_module
--- main_config
env NGX_TEST_SELFTEST;
--- http_config
    map $uri $answer { default 42; }
--- config
    location = /t { return 200 "$answer\n"; }
--- request
GET /t
--- response_body
42



=== TEST 19: body_pause sends the request body in two parts
--- no_module
--- config
    location = /t {
        client_body_buffer_size 64k;
        # proxy_pass reads the whole body (both parts) before it goes upstream.
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo { return 200 "$content_length\n"; }
--- request
POST /t
0123456789
--- body_pause: 0.05
--- response_body
10



=== TEST 20: skip
--- skip: demonstrates --- skip
--- config
--- request
GET /never
