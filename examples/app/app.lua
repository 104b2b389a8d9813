-- A small app on nginx-lua-ffi: an index page, a JSON status API, a slow endpoint
-- that waits without blocking the worker, a rate limit per client address shared by
-- all workers (ngx.shared) in the access phase, and a log line per API request.
local _M = {}

local LIMIT_PER_SECOND = 20

local started_at

local function json(value)
    local t = type(value)
    if t == "table" then
        local keys = {}
        for k in pairs(value) do
            keys[#keys + 1] = k
        end
        table.sort(keys)
        local parts = {}
        for i, k in ipairs(keys) do
            parts[i] = string.format("%q:%s", k, json(value[k]))
        end
        return "{" .. table.concat(parts, ",") .. "}"
    elseif t == "string" then
        return string.format("%q", value)
    elseif value == nil then
        return "null"
    end
    return tostring(value)
end

function _M.on_worker_start()
    started_at = ngx.time()
    ngx.log(ngx.INFO, "app ready in worker ", ngx.worker.id())
end

function _M.index()
    ngx.say("nginx-lua-ffi example app")
    ngx.say("  GET /api/status  worker and nginx facts as JSON")
    ngx.say("  GET /api/slow    waits 0.5 s without blocking the worker")
    ngx.say("  GET /admin       refused by access_by_lua")
end

function _M.status()
    ngx.say(json({
        nginx_version = ngx.config.nginx_version,
        ngx_lua_version = ngx.config.ngx_lua_version,
        subsystem = ngx.config.subsystem,
        worker = { id = ngx.worker.id(), pid = ngx.worker.pid(), count = ngx.worker.count() },
        uptime_s = ngx.time() - started_at,
        phase = ngx.get_phase(),
        client = ngx.var.remote_addr,
        user_agent = ngx.req.get_headers()["user-agent"],
        api_requests = ngx.shared.app:get("requests") or 0,
    }))
end

function _M.slow()
    ngx.say("waiting...")
    ngx.flush(true)
    ngx.sleep(0.5)
    ngx.say("done")
end

function _M.rate_limit()
    local key = "rate:" .. ngx.var.remote_addr .. ":" .. ngx.time()
    local used = ngx.shared.app:incr(key, 1, 0, 2)
    if used > LIMIT_PER_SECOND then
        ngx.status = ngx.HTTP_TOO_MANY_REQUESTS
        ngx.say(json({ error = "rate limited", limit_per_second = LIMIT_PER_SECOND }))
        return ngx.exit(ngx.HTTP_TOO_MANY_REQUESTS)
    end
end

function _M.deny()
    return ngx.exit(ngx.HTTP_FORBIDDEN)
end

function _M.log_request()
    ngx.shared.app:incr("requests", 1, 0)
    print("[app] api request done with status ", ngx.status, " in ",
          string.format("%.3f", ngx.now() - ngx.req.start_time()), " s")
end

return _M
