# An API called where OpenResty refuses it raises OpenResty's words: lua-resty-core's
# FFI functions "API disabled in the current context", ngx_lua's C functions "API
# disabled in the context of <directive>", and each its own words in init_by_lua*,
# where OpenResty has no request at all (timers and init_worker_by_lua* have its fake
# one). See base.disabled_msg in lua/resty/core/base.lua.
use lib 't/lib';
use NgxTest;

# probe(where) logs "probe <where> <api>: <message or ok>" for each call below.
our $Probe = <<'LUA';
    lua_shared_dict probe_dict 1m;
    init_by_lua_block {
        local calls = {
            { "req.get_headers", function() return ngx.req.get_headers() end },
            { "req.get_method", function() return ngx.req.get_method() end },
            { "req.is_internal", function() return ngx.req.is_internal() end },
            { "req.http_version", function() return ngx.req.http_version() end },
            { "req.set_header", function() ngx.req.set_header("X-A", "b") end },
            { "req.get_uri_args", function() return ngx.req.get_uri_args() end },
            { "req.get_post_args", function() return ngx.req.get_post_args() end },
            { "req.read_body", function() ngx.req.read_body() end },
            { "req.get_body_data", function() return ngx.req.get_body_data() end },
            { "req.init_body", function() ngx.req.init_body() end },
            { "header.get", function() return ngx.header["X-A"] end },
            { "header.set", function() ngx.header["X-A"] = "b" end },
            { "resp.get_headers", function() return ngx.resp.get_headers() end },
            { "resp.add_header", function() require("ngx.resp").add_header("X-B", "c") end },
            { "status", function() return ngx.status end },
            { "var.get", function() return ngx.var.uri end },
            { "var.set", function() ngx.var.args = "a" end },
            { "arg.get", function() return ngx.arg[1] end },
            { "arg.set", function() ngx.arg[1] = "x" end },
            { "ctx", function() return ngx.ctx end },
            { "say", function() ngx.say("x") end },
            { "send_headers", function() ngx.send_headers() end },
            { "exec", function() ngx.exec("/x") end },
            { "redirect", function() ngx.redirect("/x") end },
            { "on_abort", function() ngx.on_abort(function() end) end },
            { "thread.spawn", function() ngx.thread.spawn(function() end) end },
            { "timer.at", function() ngx.timer.at(100, function() end) end },
            { "sleep", function() ngx.sleep(0) end },
            { "exit", function() ngx.exit(200) end },
        }
        function probe(where, skip)
            for _, call in ipairs(calls) do
                local name = call[1]
                if not (skip and skip[name]) then
                    local ok, err = pcall(call[2])
                    err = ok and "ok" or tostring(err):gsub("^.-:%d+: ", "")
                    ngx.log(ngx.WARN, "probe ", where, " ", name, ": ", err)
                end
            end
        end
        probe("init")
    }
LUA

# The expected lines of probe(where), from "api: message" lines.
sub expect {
    my ($where, $lines) = @_;
    return [map { "probe $where $_" } split /\n/, $lines];
}

our $Timer = <<'EOF';
req.get_headers: API disabled in the current context
req.get_method: API disabled in the current context
req.is_internal: API disabled in the current context
req.http_version: API disabled in the current context
req.set_header: API disabled in the current context
req.get_uri_args: API disabled in the current context
req.get_post_args: API disabled in the current context
req.read_body: API disabled in the context of ngx.timer
req.get_body_data: API disabled in the current context
req.init_body: API disabled in the current context
header.get: API disabled in the current context
header.set: API disabled in the current context
resp.get_headers: API disabled in the current context
resp.add_header: API disabled in the current context
status: API disabled in the current context
var.get: API disabled in the current context
var.set: API disabled in the current context
arg.get: API disabled in the current context
arg.set: API disabled in the context of ngx.timer
ctx: ok
say: API disabled in the context of ngx.timer
send_headers: API disabled in the context of ngx.timer
exec: API disabled in the context of ngx.timer
redirect: API disabled in the context of ngx.timer
on_abort: API disabled in the context of ngx.timer
thread.spawn: ok
timer.at: ok
EOF

run_tests();
__DATA__

=== TEST 1: init_by_lua: no request at all
--- http_config eval: $::Probe
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- error_log eval
expect("init", <<'EOF')
req.get_headers: no request found
req.get_method: no request found
req.is_internal: no request found
req.http_version: no request object found
req.set_header: no request found
req.get_uri_args: no request found
req.get_post_args: no request object found
req.read_body: request object not found
req.get_body_data: request object not found
req.init_body: no request found
header.get: no request found
header.set: no request found
resp.get_headers: no request object found
resp.add_header: no request found
status: no request found
var.get: no request found
var.set: no request found
arg.get: no request found
arg.set: no request found
ctx: no request found
say: no request object found
send_headers: no request found
exec: no request object found
redirect: no request object found
on_abort: no request found
thread.spawn: no request found
timer.at: no request
sleep: no request found
exit: no request found
EOF

=== TEST 2: init_worker_by_lua
--- http_config eval
$::Probe . q{
    init_worker_by_lua_block { probe("init_worker", { ["timer.at"] = true }) }
}
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- error_log eval
expect("init_worker", $::Timer =~ s/ngx\.timer/init_worker_by_lua*/gr =~ s/^(thread\.spawn|timer\.at): .*\n//gmr . <<'EOF')
thread.spawn: API disabled in the context of init_worker_by_lua*
sleep: API disabled in the context of init_worker_by_lua*
exit: API disabled in the context of init_worker_by_lua*
EOF

=== TEST 3: a timer started by init_worker_by_lua, and one started by a request
--- http_config eval
$::Probe . q{
    init_worker_by_lua_block {
        ngx.timer.at(0, function() probe("timer", { sleep = true, exit = true }) end)
    }
}
--- config
    location = /t {
        content_by_lua_block {
            ngx.timer.at(0, function() probe("request-timer", { sleep = true, exit = true }) end)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
[@{expect("timer", $::Timer)}, @{expect("request-timer", $::Timer)}]

=== TEST 4: header_filter_by_lua, body_filter_by_lua and log_by_lua
--- http_config eval: $::Probe
--- config
    location = /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block { probe("header_filter", { exit = true }) }
        body_filter_by_lua_block {
            if ngx.arg[2] then
                local chunk = ngx.arg[1]
                probe("body_filter", { ["arg.set"] = true })
                ngx.arg[1] = chunk
            end
        }
        log_by_lua_block { probe("log") }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
[@{expect("header_filter", <<'EOF')},
req.get_headers: ok
req.is_internal: ok
var.get: ok
status: ok
arg.get: API disabled in the current context
arg.set: API disabled in the context of header_filter_by_lua*
say: API disabled in the context of header_filter_by_lua*
req.read_body: API disabled in the context of header_filter_by_lua*
exec: API disabled in the context of header_filter_by_lua*
thread.spawn: API disabled in the context of header_filter_by_lua*
sleep: API disabled in the context of header_filter_by_lua*
EOF
 @{expect("body_filter", <<'EOF')},
arg.get: ok
say: API disabled in the context of body_filter_by_lua*
send_headers: API disabled in the context of body_filter_by_lua*
redirect: API disabled in the context of body_filter_by_lua*
sleep: API disabled in the context of body_filter_by_lua*
exit: API disabled in the context of body_filter_by_lua*
EOF
 @{expect("log", <<'EOF')}]
req.get_headers: ok
arg.get: API disabled in the current context
arg.set: API disabled in the context of log_by_lua*
say: API disabled in the context of log_by_lua*
req.read_body: API disabled in the context of log_by_lua*
thread.spawn: API disabled in the context of log_by_lua*
sleep: API disabled in the context of log_by_lua*
exit: API disabled in the context of log_by_lua*
EOF
--- allow_error_log
attempt to set ngx.header.HEADER after sending out response headers
