# Self-test of t/lib/NgxTest.pm against Debian's plain nginx: every block uses
# --- no_module, so it passes without our module being built (the two cases that
# need it to crash a worker are skipped then).

use lib 't/lib';
use FindBin ();
use File::Temp ();
use NgxTest;

# Response framing helpers, checked directly: plain nginx cannot be made to
# send a truncated response.
is_deeply([NgxTest::Wire::decode_chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")],
          ["hello world", ''], 'chunked body decodes');
ok((NgxTest::Wire::decode_chunked("5\r\nhello\r\n"))[1], 'chunked body without last chunk is truncated');
ok(NgxTest::Wire::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 'GET')->{truncated},
   'short Content-Length body is truncated');
ok(!NgxTest::Wire::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 'HEAD')->{truncated},
   'HEAD response has no body');

# Each check must fail when it should: a block that breaks it, run as a test
# file of its own, must report "not ok" for that check (and the file fail).
# Blocks marked MODULE need our module (ngx.* and ffi) to crash a worker.
my @must_fail = (
    ['wrong body', 'response_body', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
--- response_body
ho
BLOCK
    ['wrong status', 'status code', <<'BLOCK'],
--- config
    location = /t { return 201 "hi\n"; }
--- request
GET /t
--- response_body
hi
BLOCK
    ['response_body_like keeps the final newline of its section', 'response_body_like', <<'BLOCK'],
--- config
    location = /t { return 200 "one\ntwo"; }
--- request
GET /t
--- response_body_like
^one
two
BLOCK
    ['an [error] the block does not expect', 'no unexpected errors', <<'BLOCK'],
--- config
    location / { root $TEST_NGINX_HTML_DIR; }
--- request
GET /missing.html
--- error_code: 404
--- response_body_like: 404 Not Found
BLOCK
    ['an error_log pattern naming only the level expects no line in particular',
     'no unexpected errors', <<'BLOCK'],
--- config
    location / { root $TEST_NGINX_HTML_DIR; }
--- request
GET /missing.html
--- error_code: 404
--- error_log
[error]
BLOCK
    ['a missing expected line', 'error_log has', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
--- error_log
a line nginx never logs
BLOCK
    ['the request line logged at debug level is no expected line', 'error_log has', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t?token=only-in-the-request
--- error_log
only-in-the-request
BLOCK
    ['no_error_log finds a line', 'error_log lacks', <<'BLOCK'],
--- config
    location / { root $TEST_NGINX_HTML_DIR; }
--- request
GET /missing.html
--- error_code: 404
--- error_log
No such file or directory
--- no_error_log
missing.html
BLOCK
    ['a block that checks nothing', 'block is well-formed', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
BLOCK
    ['ignore_response without a log check', 'block is well-formed', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
--- ignore_response
BLOCK
    ['no_response but a response came', 'connection closed without a response', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
--- no_response
BLOCK
    ['a --- ONLY left in a file', 'ONLY is left', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- request
GET /t
--- response_body
hi
--- ONLY
BLOCK
    ['an http2 response with the wrong body', 'response_body', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- http2
--- request
GET /t
--- response_body
ho
BLOCK
    ['a wrong response after the reload', 'response_body', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- reload_between
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["hi\n", "ho\n"]
BLOCK
    # The first request overwrites the included file with a directive nginx
    # does not know: the master keeps its old workers.
    ['a reload that does not happen', 'nginx reloads (hup)', <<'BLOCK'],
--- config
    include $TEST_NGINX_HTML_DIR/reloaded.conf;
    location = /reloaded.conf { root $TEST_NGINX_HTML_DIR; dav_methods PUT; }
    location = /t { return 200 "hi\n"; }
--- user_files
>>> reloaded.conf
# valid until the first request
--- reload_between
--- request eval
["PUT /reloaded.conf\nno_such_directive;", "GET /t"]
--- error_code eval
[204, 200]
--- allow_error_log
unknown directive
BLOCK
    ['a wrong body read slowly', 'response_body', <<'BLOCK'],
--- config
    location = /t { return 200 "hi\n"; }
--- slow_reader: 1 0.01
--- request
GET /t
--- response_body
ho
BLOCK
    ['a worker that crashes as the reload stops it', 'no unexpected errors', <<'BLOCK', 'MODULE'],
--- config
    location = /t { return 200 "hi\n"; }
--- http_config
    exit_worker_by_lua_block {
        local ffi = require "ffi"
        ffi.cdef "int raise(int sig);"
        ffi.C.raise(11)
    }
--- reload_between
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["hi\n", "hi\n"]
BLOCK
    ['a worker crash', 'no unexpected errors', <<'BLOCK', 'MODULE'],
--- config
    location = /t {
        content_by_lua_block {
            local ffi = require "ffi"
            ffi.cdef "int raise(int sig);"
            ffi.C.raise(11)
        }
    }
--- request
GET /t
--- no_response
BLOCK
    ['a worker that exits with a failure code', 'no unexpected errors', <<'BLOCK', 'MODULE'],
--- config
    location = /t { content_by_lua_block { os.exit(3) } }
--- request
GET /t
--- no_response
BLOCK
    ['a sanitizer report', 'no unexpected errors', <<'BLOCK', 'MODULE'],
--- config
    location = /t {
        content_by_lua_block {
            io.stderr:write("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n")
            ngx.say("served")
        }
    }
--- request
GET /t
--- response_body
served
--- error_log
AddressSanitizer
BLOCK
);

my $module = $ENV{NGX_MODULE} // 'build/ngx_http_lua_ffi_module.so';
my $case_dir = File::Temp::tempdir('ngxtest-selftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
for my $case (@must_fail) {
    my ($what, $check, $block, $needs) = @$case;
    SKIP: {
        skip("must fail: $what (needs $module)", 1) if $needs && !-f $module;
        $block = "--- no_module\n$block" unless $needs;
        my $file = "$case_dir/case.t";
        open my $fh, '>', $file or die "$file: $!";
        print {$fh} "use lib '$FindBin::Bin/lib';\nuse NgxTest;\nrun_tests();\n__DATA__\n"
                    . "=== TEST 1: $what\n$block";
        close $fh;
        my $out = `$^X $file 2>&1`;
        my $status = $?;
        ok($status != 0 && $out =~ /^not ok \d+ - (?:TEST 1: \Q$what\E - )?.*\Q$check\E/m,
           "must fail: $what ($check)")
            or diag("exit status $status, output:\n$out");
    }
}

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
--- response_body_like: <title>404 Not Found</title>
--- no_error_log
[warn]



=== TEST 4: response_body_like keeps the final newline of its section ("chomp" drops it)
--- no_module
--- config
    location = /t { return 200 "one\ntwo\n"; }
--- request
GET /t
--- response_body_like
^one
two



=== TEST 5: response_headers, present, absent and like
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



=== TEST 6: more_headers reach the server
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
--- no_repeat: shows the request's Connection header



=== TEST 7: request body from the request section gets a Content-Length
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



=== TEST 8: request_body section is sent as is
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



=== TEST 9: array of requests, per-request error codes, scalar body check
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



=== TEST 10: raw_request, HTTP/1.0
--- no_module
--- config
    location = /t { return 200 "$server_protocol\n"; }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body
HTTP/1.0



=== TEST 11: HEAD response has headers only
--- no_module
--- config
    location = /t { return 200 "hi\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 3
--- response_body chomp



=== TEST 12: must_die on an unknown directive
--- no_module
--- config
    location = /t {
        no_such_directive on;
    }
--- must_die
--- error_log
unknown directive "no_such_directive"



=== TEST 13: error_log, no_error_log and grep_error_log on nginx's own log
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



=== TEST 14: user_files served from $TEST_NGINX_HTML_DIR
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



=== TEST 15: chunked response is decoded (SSI drops Content-Length)
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



=== TEST 16: wait, log_level and workers
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



=== TEST 17: client abort while nginx waits for the request body
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



=== TEST 18: ignore_response
--- no_module
--- config
    location = /t { return 444; }
--- request
GET /t
--- no_response



=== TEST 19: main_config and http_config
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



=== TEST 20: body_pause sends the request body in two parts
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



=== TEST 21: skip
--- skip: demonstrates --- skip
--- config
--- request
GET /never



=== TEST 22: repeat_each sends the requests again over one keep-alive connection
--- no_module
--- config
    location = /a { return 200 "a $connection_requests\n"; }
    location = /b { return 200 "b $connection_requests\n"; }
--- request eval
["GET /a", "GET /b"]
--- repeat_each: 2
--- response_body_like eval
["^a [13]\n\\z", "^b [24]\n\\z"]



=== TEST 23: pipelined_requests go out at once; each response is checked
--- no_module
--- config
    location = /t { return 200 "$arg_n $connection_requests\n"; }
    location = /empty { return 204; }
--- pipelined_requests eval
["GET /t?n=1", "HEAD /t?n=2", "GET /empty", "GET /t?n=4"]
--- error_code eval
[200, 200, 204, 200]
--- response_body eval
["1 1\n", "", "", "4 4\n"]



=== TEST 24: concurrency sends each request from several clients at once
--- no_module
--- config
    location = /t { return 200 "$arg_n\n"; }
--- request eval
["GET /t?n=1", "GET /t?n=2"]
--- concurrency: 5
--- response_body eval
["1\n", "2\n"]



=== TEST 25: a chunked keep-alive response is framed by its last chunk
--- no_module
--- config
    location / {
        root $TEST_NGINX_HTML_DIR;
        ssi on;
    }
--- user_files
>>> page.html
a<!--# echo var="connection_requests" -->b
--- request
GET /page.html
--- repeat_each: 3
--- response_body_like
^a[123]b



=== TEST 26: forced_eagain: nginx reads and writes one byte at a time through EAGAIN
--- no_module
--- config
    location = /t {
        client_body_buffer_size 64k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo { return 200 "$content_length\n"; }
--- forced_eagain
--- request
POST /t
0123456789
--- response_body
10
--- log_level: debug
--- error_log eval
[qr/recv: fd:\d+ 1 of \d+/, qr/recv\(\) not ready/, qr/writev: 1 of \d+/]
--- no_error_log eval
[qr/recv: fd:\d+ (?:[2-9]|\d\d+) of/, qr/writev: (?:[2-9]|\d\d+) of/]
