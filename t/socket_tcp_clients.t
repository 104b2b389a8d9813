# Cosocket client libraries Debian packages, unmodified, against real servers the
# harness starts on loopback (redis-server, memcached).
use lib 't/lib';
use NgxTest;
start_helper_servers(qw(redis memcached));
run_tests();
__DATA__

=== TEST 1: lua-nginx-redis (resty.redis through nginx.redis): set, get, pipeline
--- http_config
    lua_package_path "/usr/share/lua/5.1/?.lua;;";
--- config
    location = /t {
        content_by_lua_block {
            local redis = require "nginx.redis"
            local red = redis:new()
            red:set_timeout(1000)
            assert(red:connect("127.0.0.1", $TEST_NGINX_REDIS_PORT))
            ngx.say("set: ", red:set("nlf:key", "a value\r\nwith a newline"))
            local v = red:get("nlf:key")
            ngx.say("get: ", #v, " ", v == "a value\r\nwith a newline")
            ngx.say("missing: ", tostring(red:get("nlf:missing") == ngx.null))
            red:init_pipeline()
            red:del("nlf:list")
            red:rpush("nlf:list", "x", "y", "z")
            red:lrange("nlf:list", 0, -1)
            local results = red:commit_pipeline()
            ngx.say("pipeline: ", results[2], " ", table.concat(results[3], ","))
            ngx.say("reused: ", red:get_reused_times())
            ngx.say("close: ", red:close())
        }
    }
--- request
GET /t
--- response_body
set: OK
get: 23 true
missing: true
pipeline: 3 x,y,z
reused: 0
close: 1

=== TEST 2: memcached spoken by the test's own Lua (receive("*l") and receive(n))
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_MEMCACHED_PORT))
            local value = string.rep("v", 3000)
            sock:send({ "set nlf 0 0 ", #value, "\r\n", value, "\r\n" })
            ngx.say("set: ", sock:receive())
            sock:send("get nlf\r\n")
            local header = sock:receive()
            local len = tonumber(header:match("^VALUE nlf 0 (%d+)$"))
            local data = sock:receive(len + 2)
            ngx.say("get: ", len, " ", data == value .. "\r\n", " ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
set: STORED
get: 3000 true END

=== TEST 3: lua-nginx-redis set_keepalive: the next client is the same redis connection (CLIENT ID), in this request and the next
--- http_config
    lua_package_path "/usr/share/lua/5.1/?.lua;;";
--- config
    location = /t {
        content_by_lua_block {
            local redis = require "nginx.redis"
            local ids = {}
            for i = 1, 2 do
                local red = redis:new()
                red:set_timeout(1000)
                assert(red:connect("127.0.0.1", $TEST_NGINX_REDIS_PORT))
                ids[i] = red:client("id")
                ngx.say("reused: ", red:get_reused_times() > 0)
                ngx.say("set_keepalive: ", red:set_keepalive(10000, 10))
            end
            ngx.say("same connection: ", ids[1] == ids[2])
        }
    }
--- no_repeat: the pool outlives the request, so a repeated request finds its connections reused
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["reused: false\nset_keepalive: 1\nreused: true\nset_keepalive: 1\nsame connection: true\n",
 "reused: true\nset_keepalive: 1\nreused: true\nset_keepalive: 1\nsame connection: true\n"]

=== TEST 4: lua-nginx-memcached (nginx.memcached) with set_keepalive
--- http_config
    lua_package_path "/usr/share/lua/5.1/?.lua;;";
--- config
    location = /t {
        content_by_lua_block {
            local memcached = require "nginx.memcached"
            for i = 1, 2 do
                local memc = memcached:new()
                memc:set_timeout(1000)
                assert(memc:connect("127.0.0.1", $TEST_NGINX_MEMCACHED_PORT))
                ngx.say("reused: ", memc:get_reused_times())
                ngx.say("set: ", memc:set("nlf:m", "value " .. i))
                ngx.say("get: ", (memc:get("nlf:m")))
                ngx.say("set_keepalive: ", memc:set_keepalive(10000, 10))
            end
        }
    }
--- no_repeat: the pool outlives the request, so a repeated request finds its connections reused
--- request
GET /t
--- response_body
reused: 0
set: 1
get: value 1
set_keepalive: 1
reused: 1
set: 1
get: value 2
set_keepalive: 1
