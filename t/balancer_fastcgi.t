# balancer_by_lua* under fastcgi_pass: two FastCGI responders started by the test
# file (t/lib/NgxTest/FastCGI.pm) answer with their name, the number of the connection
# the request came on and the URI.
use lib 't/lib';
use NgxTest;
use NgxTest::FastCGI qw(start_fastcgi_responder);

start_fastcgi_responder('one');
start_fastcgi_responder('two');

run_tests();
__DATA__

=== TEST 1: the code picks the FastCGI peer of each request; a refused one is retried on the other
--- http_config
    upstream fcgi {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local port = ngx.var.arg_p == "two" and $TEST_NGINX_FASTCGI_TWO_PORT or $TEST_NGINX_FASTCGI_ONE_PORT
            if ngx.var.arg_p == "refused" then
                if not balancer.get_last_failure() then
                    assert(balancer.set_more_tries(1))
                    port = $TEST_NGINX_PORT_1
                else
                    port = $TEST_NGINX_FASTCGI_TWO_PORT
                end
            end
            assert(balancer.set_current_peer("127.0.0.1", port))
        }
    }
--- config
    location /t {
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_pass fcgi;
    }
--- request eval
["GET /t?p=one", "GET /t?p=two", "GET /t?p=refused"]
--- response_body_like eval
['^one \d+ /t\?p=one$', '^two \d+ /t\?p=two$', '^two \d+ /t\?p=refused$']
--- error_log
Connection refused

=== TEST 2: enable_keepalive with fastcgi_keep_conn: the responder sees one connection for many requests
--- http_config
    upstream fcgi {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_FASTCGI_ONE_PORT))
            assert(balancer.enable_keepalive())
        }
    }
--- config
    location /t {
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_keep_conn on;
        fastcgi_pass fcgi;
    }
--- request eval
["GET /t?n=1", "GET /t?n=2", "GET /t?n=3"]
--- response_body_like eval
['^one (\d+) /t\?n=1$', '^one \d+ /t\?n=2$', '^one \d+ /t\?n=3$']
--- grep_error_log eval
qr/balancer keepalive: (?:reusing|keeping)/
--- grep_error_log_out
balancer keepalive: keeping
balancer keepalive: reusing
balancer keepalive: keeping
balancer keepalive: reusing
balancer keepalive: keeping
