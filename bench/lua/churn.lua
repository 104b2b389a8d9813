-- A shared dictionary kept full, as production caches run: 50,000 keys with 1-3 s
-- expiry in a 1 MiB zone, values of several sizes, set on a miss, with adds, deletes
-- and stale reads among them. The same file runs on both stacks (bench.py declares
-- the zones `bench_full` and `bench_full_probe`).
local ffi = require "ffi"
local random = math.random
local floor = math.floor
local format = string.format
local rep = string.rep

ffi.cdef [[
struct nlf_bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock, struct nlf_bench_timespec *ts);
]]
local C = ffi.C
local CLOCK_MONOTONIC = 1
local ts = ffi.new("struct nlf_bench_timespec")

local KEYS = 50000
local keys = {}
for i = 1, KEYS do
    keys[i] = "key:" .. i
end
-- 40 to 200 bytes: items of many sizes, so that the freed space is never the size
-- the next write needs.
local values = {}
for i = 1, 17 do
    values[i] = rep("v", 30 + 10 * i)
end
local VALUES = #values
local fixed_value = rep("v", 100)

local _M = {}

-- One request's work: ten reads, each a set on a miss, and one add, delete or stale
-- read.
local function churn_ops(dict)
    for _ = 1, 10 do
        local key = keys[random(KEYS)]
        if dict:get(key) == nil then
            dict:set(key, values[random(VALUES)], 1 + random(2))
        end
    end
    local key = keys[random(KEYS)]
    local pick = random(3)
    if pick == 1 then
        dict:add(key, values[random(VALUES)], 1 + random(2))
    elseif pick == 2 then
        dict:delete(key)
    else
        dict:get_stale(key)
    end
end

function _M.request()
    churn_ops(ngx.shared.bench_full)
    ngx.say("ok")
end

local function now_ns()
    C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
end

local function fill(dict)
    dict:flush_all()
    dict:flush_expired()
    for i = 1, 20000 do
        dict:set("fill:" .. i, fixed_value)
    end
end

-- Per-operation costs in a full zone, the fastest of `rounds` loops of `n`, in ns.
local function per_op(n, rounds, body)
    local best = math.huge
    for _ = 1, rounds do
        local t0 = now_ns()
        body(n)
        best = math.min(best, (now_ns() - t0) / n)
    end
    return best
end

function _M.probe()
    local dict = ngx.shared.bench_full_probe
    local n = 100000
    local fresh = {}
    for i = 1, n do
        fresh[i] = "new:" .. i
    end
    local round = 0
    fill(dict)
    -- `add` of a key never seen: every call makes room.
    local add = per_op(n, 5, function(count)
        round = round + 1
        local prefix = round .. ":"
        for i = 1, count do
            dict:add(prefix .. fresh[i], fixed_value)
        end
    end)
    fill(dict)
    -- `get`, then `set` on a miss, over keys far more than the zone holds.
    local miss_set = per_op(n, 5, function(count)
        for _ = 1, count do
            local key = keys[random(KEYS)]
            if dict:get(key) == nil then
                dict:set(key, fixed_value, 2)
            end
        end
    end)
    -- The churn workload, every request's work timed alone: the slowest of them is the
    -- longest pause a worker sees.
    fill(dict)
    local times = {}
    for i = 1, 20000 do
        local t0 = now_ns()
        churn_ops(dict)
        times[i] = now_ns() - t0
    end
    table.sort(times)
    ngx.say(format("add=%.1f miss_set=%.1f churn_median=%.1f churn_p999=%.1f churn_max=%.1f",
                   add, miss_set, times[floor(#times / 2)] / 1e3, times[floor(#times * 0.999)] / 1e3,
                   times[#times] / 1e3))
end

return _M
