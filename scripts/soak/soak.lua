-- The soak test's application (scripts/soak.py): one handler per API area, each
-- answering something the client can check. The same file runs on nginx-lua-ffi and
-- on Debian's OpenResty stack, so it uses only the public API.
local semaphore = require "ngx.semaphore"

local ngx = ngx
local say = ngx.say
local print = ngx.print
local sleep = ngx.sleep
local spawn = ngx.thread.spawn
local wait = ngx.thread.wait
local kill = ngx.thread.kill
local timer_at = ngx.timer.at
local re_match = ngx.re.match
local re_gsub = ngx.re.gsub
local re_find = ngx.re.find
local re_gmatch = ngx.re.gmatch
local random = math.random
local rep = string.rep
local concat = table.concat
local tonumber = tonumber

local churn = ngx.shared.soak_churn
local counters = ngx.shared.soak_counters

-- A zone far smaller than its key space, values of many sizes, short expiries: it
-- evicts and expires all the time.
local KEYS = 20000
local keys = {}
for i = 1, KEYS do
    keys[i] = "k" .. i
end
local values = {}
for i = 1, 24 do
    values[i] = rep("v", 20 * i)
end
local VALUES = #values

local _M = {}

function _M.shdict()
    for _ = 1, 8 do
        local key = keys[random(KEYS)]
        local v = churn:get(key)
        if v == nil then
            local ok, err = churn:set(key, values[random(VALUES)], random(3))
            if not ok and err ~= "no memory" then
                return ngx.exit(500)
            end
        end
    end
    local key = keys[random(KEYS)]
    local pick = random(6)
    if pick == 1 then
        churn:add(key, values[random(VALUES)], random(2))
    elseif pick == 2 then
        churn:delete(key)
    elseif pick == 3 then
        churn:get_stale(key)
    elseif pick == 4 then
        -- A number key next to string ones: incr on a string fails, which is fine.
        churn:incr("n" .. random(500), 1, 0, random(3))
    elseif pick == 5 then
        churn:safe_set(key, values[random(VALUES)], 1)
    else
        churn:lpush("list" .. random(50), values[random(4)])
        churn:rpop("list" .. random(50))
    end
    if random(500) == 1 then
        churn:flush_expired(100)
    end
    say("ok")
end

-- One increment per answered request: the client compares its count of 200s with
-- the total (lost updates).
function _M.count()
    local n, err = counters:incr("hits", 1, 0)
    if not n then
        ngx.log(ngx.ERR, "soak counter: ", err)
        return ngx.exit(500)
    end
    say("ok")
end

function _M.count_value()
    say(counters:get("hits") or 0)
end

local function file_args(path)
    local f, err = io.open(path, "rb")
    if not f then
        return nil, err
    end
    local text = f:read("*a")
    f:close()
    return ngx.decode_args(text, 1000)
end

-- The body as form arguments: answers how many arguments and the sum of the "n" ones.
-- A body larger than client_body_buffer_size is in a file, which get_post_args refuses.
function _M.body()
    ngx.req.read_body()
    local file = ngx.req.get_body_file()
    local args, err
    if file then
        args, err = file_args(file)
    else
        args, err = ngx.req.get_post_args(1000)
    end
    if not args then
        ngx.log(ngx.ERR, "soak body: ", err)
        return ngx.exit(500)
    end
    local count, sum = 0, 0
    for name, value in pairs(args) do
        if type(value) == "table" then
            count = count + #value
        else
            count = count + 1
        end
        if name:sub(1, 1) == "n" then
            sum = sum + (tonumber(value) or 0)
        end
    end
    local data = ngx.req.get_body_data()
    say(count, " ", sum, " ", data ~= nil or file ~= nil)
end

function _M.sleep()
    local ms = tonumber(ngx.var.arg_ms) or 5
    sleep(ms / 1000)
    say("slept")
end

-- lua_check_client_abort is on there: a client that leaves ends the handler early.
function _M.sleep_abortable()
    local ok = ngx.on_abort(function()
        counters:incr("aborts", 1, 0)
        ngx.exit(499)
    end)
    if not ok then
        return ngx.exit(500)
    end
    sleep((tonumber(ngx.var.arg_ms) or 5) / 1000)
    say("slept")
end

local function timer_run(premature, n)
    if premature then
        return
    end
    counters:incr("timer_runs", n, 0)
end

function _M.timer()
    local ok, err = timer_at(random(20) / 1000, timer_run, 1)
    if not ok then
        -- A worker that is shutting down refuses new timers.
        if err ~= "process exiting" then
            ngx.log(ngx.ERR, "soak timer: ", err)
            return ngx.exit(500)
        end
    end
    say("ok")
end

-- The worker-wide timer that init_worker_by_lua starts.
function _M.tick(premature)
    if premature then
        return
    end
    counters:incr("ticks", 1, 0)
end

-- One semaphore per worker, as applications keep them.
local sema = semaphore.new(0)

local function poster(delay)
    sleep(delay)
    sema:post(1)
    return "posted"
end

function _M.semaphore()
    local t = spawn(poster, random(5) / 1000)
    local ok, err = sema:wait(2)
    local ok2, res = wait(t)
    if not ok or not ok2 or res ~= "posted" then
        ngx.log(ngx.ERR, "soak semaphore: ", tostring(err), " ", tostring(res))
        return ngx.exit(500)
    end
    say("ok")
end

local function worker_thread(i)
    sleep(random(3) / 1000)
    return i * i
end

local function forever()
    sleep(30)
    return "never"
end

function _M.threads()
    local threads = {}
    for i = 1, 4 do
        threads[i] = spawn(worker_thread, i)
    end
    local long = spawn(forever)
    local sum = 0
    for i = 1, 4 do
        local ok, v = wait(threads[i])
        if not ok then
            return ngx.exit(500)
        end
        sum = sum + v
    end
    local killed = kill(long)
    -- true here, 1 on OpenResty 0.10.23: both are true values.
    say(sum, " ", killed and "killed")
end

function _M.regex()
    local uri = ngx.var.request_uri
    local m = re_match(uri, [[^/regex\?id=(\d+)&name=(\w+)]], "jo")
    if not m then
        return ngx.exit(400)
    end
    local replaced = re_gsub(m[2], "[aeiou]", "_", "jo")
    local from = re_find(uri, "name=", "jo")
    local parts = {}
    for word in re_gmatch(m[2], "[a-z]{2}", "jo") do
        parts[#parts + 1] = word[0]
    end
    say(m[1], " ", replaced, " ", from, " ", concat(parts, ","))
end

-- Phases before content: rewrite and access leave their marks in ngx.ctx.
function _M.rewrite()
    ngx.ctx.phases = "rewrite"
    ngx.req.set_header("X-Soak", "1")
end

function _M.access()
    ngx.ctx.phases = ngx.ctx.phases .. ",access"
    if ngx.req.get_headers()["x-soak"] ~= "1" then
        return ngx.exit(403)
    end
end

function _M.phases()
    ngx.header["X-Phases"] = ngx.ctx.phases
    local args = ngx.req.get_uri_args()
    say(ngx.ctx.phases, ",content ", args.a, " ", ngx.var.request_method)
end

function _M.header_filter()
    ngx.header["X-Filtered"] = "1"
    ngx.header.content_length = nil
end

function _M.body_filter()
    local chunk = ngx.arg[1]
    if chunk ~= "" then
        ngx.arg[1] = chunk:upper()
    end
end

function _M.fail()
    error("soak deliberate error")
end

function _M.log()
    if ngx.status >= 500 and ngx.var.uri ~= "/error" then
        counters:incr("logged_5xx", 1, 0)
    end
end

function _M.big()
    -- Several buffers with flushes: output in pieces while clients may leave.
    local chunk = rep("x", 8191) .. "\n"
    for _ = 1, 8 do
        print(chunk)
        ngx.flush(false)
    end
end

return _M
