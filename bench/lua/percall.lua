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
    sleep0 = 5000,
}

local _M = {}

-- Timed loops per case: the fastest is the figure, as other processes on the machine
-- only ever make a loop slower.
local ROUNDS = 5

function _M.run(name, scale)
    local fn = cases[name]
    local n = math.floor((iterations[name] or 1000000) * scale)
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

_M.names = { "say", "get_phase", "status_get", "status_set", "headers_sent", "worker_id",
             "log_filtered", "sleep0", "shdict_get", "shdict_set", "shdict_incr" }

return _M
