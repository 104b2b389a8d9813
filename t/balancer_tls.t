# balancer_by_lua* with TLS upstreams: a test CA made at load time (NgxTest::Certs),
# an nginx ssl server on loopback with a certificate for backend.test and alt.test,
# verified by the proxy (proxy_ssl_verify) against the name of each try.
use lib 't/lib';
use NgxTest;
use NgxTest::Certs qw(test_certificates);

test_certificates('backend.test', 'alt.test');

our $Backends = <<'_EOC_';
    lua_shared_dict conns 1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_1 ssl;
        ssl_certificate $TEST_NGINX_CERT_DIR/server.crt;
        ssl_certificate_key $TEST_NGINX_CERT_DIR/server.key;
        location / {
            return 200 "tls $ssl_server_name\n";
            log_by_lua_block { ngx.shared.conns:incr(ngx.var.connection, 1, 0) }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT_2;
        location / {
            return 200 "plain\n";
            log_by_lua_block { ngx.shared.conns:incr(ngx.var.connection, 1, 0) }
        }
    }
_EOC_

our $Front = <<'_EOC_';
    location /t {
        proxy_pass https://backend.test;
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
        proxy_ssl_server_name on;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
    location = /conns {
        content_by_lua_block { ngx.say(#ngx.shared.conns:get_keys()) }
    }
_EOC_

run_tests();
__DATA__

=== TEST 1: set_current_peer's host is the server name sent and verified: the right one passes, a wrong one fails the try
--- http_config eval
$::Backends . <<'_EOC_';
    upstream backend.test {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local state = balancer.get_last_failure()
            if state then ngx.log(ngx.NOTICE, "after: ", state) end
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1, ngx.var.arg_host))
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?host=backend.test", "GET /t?host=alt.test", "GET /t?host=other.test"]
--- error_code eval
[200, 200, 502]
--- response_body_like eval
["^tls backend.test\n", "^tls alt.test\n", "502 Bad Gateway"]
--- error_log
upstream SSL certificate does not match "other.test" while SSL handshaking to upstream

=== TEST 2: a retry that gives no host is verified against the upstream's name, not the host of the try before
--- http_config eval
$::Backends . <<'_EOC_';
    upstream backend.test {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if not balancer.get_last_failure() then
                assert(balancer.set_more_tries(1))
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1, "other.test"))
            else
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            end
        }
    }
_EOC_
--- config eval
$::Front
--- request
GET /t
--- response_body
tls backend.test
--- error_log
upstream SSL certificate does not match "other.test" while SSL handshaking to upstream

=== TEST 3: set_upstream_tls(false) speaks plain HTTP to a plain peer from an https:// location
--- http_config eval
$::Backends . <<'_EOC_';
    upstream backend.test {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            if ngx.var.arg_plain then
                assert(balancer.set_upstream_tls(false))
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_2))
            else
                assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1))
            end
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?plain=1", "GET /t"]
--- response_body eval
["plain\n", "tls backend.test\n"]

=== TEST 4: pooled TLS connections: one per server name, each request on the one made for its name
--- http_config eval
$::Backends . <<'_EOC_';
    upstream backend.test {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            assert(balancer.set_current_peer("127.0.0.1", $TEST_NGINX_PORT_1, ngx.var.arg_host))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?host=backend.test", "GET /t?host=alt.test", "GET /t?host=backend.test", "GET /t?host=alt.test", "GET /t", "GET /conns"]
--- response_body eval
["tls backend.test\n", "tls alt.test\n", "tls backend.test\n", "tls alt.test\n", "tls backend.test\n", "2\n"]

=== TEST 5: a pooled TLS connection is not reused for plain HTTP to the same peer, nor a plain one for TLS
--- http_config eval
$::Backends . <<'_EOC_';
    upstream backend.test {
        balancer_by_lua_block {
            local balancer = require "ngx.balancer"
            local port = ngx.var.arg_peer == "plain" and $TEST_NGINX_PORT_2 or $TEST_NGINX_PORT_1
            assert(balancer.set_upstream_tls(ngx.var.arg_tls == "on"))
            assert(balancer.set_current_peer("127.0.0.1", port, "backend.test"))
            assert(balancer.enable_keepalive())
        }
    }
_EOC_
--- config eval
$::Front
--- request eval
["GET /t?peer=tls&tls=on", "GET /t?peer=tls&tls=off", "GET /t?peer=plain&tls=off", "GET /t?peer=plain&tls=on"]
--- error_code eval
[200, 400, 200, 502]
--- response_body_like eval
["^tls backend.test\n", "The plain HTTP request was sent to HTTPS port", "^plain\n", "502 Bad Gateway"]
--- error_log
SSL_do_handshake() failed
