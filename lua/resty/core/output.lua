-- ngx.say, ngx.print, ngx.flush, ngx.eof, ngx.send_headers.
local ffi = require "ffi"
local base = require "resty.core.base"
local capi = require "nlf.capi"
local buffer = require "string.buffer"

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
-- In OpenResty's words (see base.disabled_msg); ngx.send_headers says "no request
-- found" without a request.
local OUTPUT_API = base.C_OBJECT_API
local C_API = base.C_API
local wait_result = base.wait_result
local wait_for_scheduler = base.wait
local error = error
local select = select
local type = type
local pairs = pairs
local ngx_null = ngx.null
local capi_output = capi.output

-- Operations of capi.output, the path for when Lua output filters would run.
local OP_BODY, OP_SEND_HEADERS, OP_EOF, OP_FLUSH = 0, 1, 2, 3
local NEED_VM = -102

ffi.cdef[[
int nlf_ffi_output(ngx_http_request_t *r, const void *data, size_t len, int newline,
                   const char **err);
int nlf_ffi_send_headers(ngx_http_request_t *r, const char **err);
int nlf_ffi_eof(ngx_http_request_t *r, const char **err);
int nlf_ffi_flush(ngx_http_request_t *r, int wait, const char **err);
]]

local errmsg = base.get_const_errmsg_ptr()
local out_buf = buffer.new(256)
local MAX_NESTING = 100
-- What output_values takes; more go through output_many.
local MAX_FIXED_VALUES = 12

local function bad_value(argi, fname, what)
    return "bad argument #" .. argi .. " to '" .. fname .. "' (" .. what .. ")"
end

local function is_array(t)
    local n = #t
    for k in pairs(t) do
        if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then
            return false
        end
    end
    return true
end

-- Appends one argument of ngx.say/print; returns an error message or nil.
local function put_value(buf, v, argi, fname, depth)
    local t = type(v)
    if t == "string" or t == "number" then
        buf:put(v)
    elseif t == "nil" then
        buf:put("nil")
    elseif t == "boolean" then
        buf:put(v and "true" or "false")
    elseif v == ngx_null then
        buf:put("null")
    elseif t == "table" then
        if depth >= MAX_NESTING then
            return bad_value(argi, fname, "table nested too deeply")
        end
        if not is_array(v) then
            return bad_value(argi, fname, "non-array table found")
        end
        for i = 1, #v do
            local err = put_value(buf, v[i], argi, fname, depth + 1)
            if err then
                return err
            end
        end
    else
        return bad_value(argi, fname, "string, number, boolean, nil, ngx.null, or array table "
                                      .. "expected, got " .. t)
    end
end

-- Appends the arguments from the i-th on. Tail recursion rather than a loop: LuaJIT
-- compiles it into the caller's trace, where a short inner loop would become a
-- trace of its own whose exit cannot return to the caller's frame.
local function put_args(fname, i, v, ...)
    local t = type(v)
    if t == "string" or t == "number" then
        out_buf:put(v)
    else
        local err = put_value(out_buf, v, i, fname, 0)
        if err then
            return err
        end
    end
    if select("#", ...) > 0 then
        return put_args(fname, i + 1, ...)
    end
end

-- Sends what out_buf holds. Of fixed arity, so that it is compiled on its own when
-- its vararg caller is not (see output_string).
local function output_buffered(r, newline)
    local p, len = out_buf:ref()
    local rc = C.nlf_ffi_output(r, p, len, newline, errmsg)
    if rc == NEED_VM then
        return capi_output(OP_BODY, out_buf:tostring(), newline)
    end
    return rc
end

-- Always tail-called by the API function, so level 2 is the user's code. `msg` is an
-- argument error to raise when rc is nil, else the C API path's error.
local function finish(r, rc, msg)
    if rc == 0 then
        return 1
    end
    if rc == nil then
        error(msg, 2)
    end
    check_status(rc, r, 2, OUTPUT_API)
    return nil, msg or ffi_str(errmsg[0])
end

-- An output call without data, through the C API when it may run Lua filters.
local function control(op, ffi_rc, flag)
    if ffi_rc == NEED_VM then
        return capi_output(op, nil, flag)
    end
    return ffi_rc
end

-- One string, the common call, in a function of fixed arity. ngx.say and ngx.print
-- are vararg functions, which LuaJIT compiles only inside a trace that started
-- elsewhere: called from code that is not compiled they run interpreted, where an FFI call costs about
-- 1,700 instructions against a few when compiled. This function gets a trace of its
-- own that the interpreter enters. Always tail-called (see finish).
local function output_string(s, newline)
    local r = get_request()
    if not r then
        error(no_request_msg(OUTPUT_API), 2)
    end
    local rc = C.nlf_ffi_output(r, s, #s, newline, errmsg)
    if rc == NEED_VM then
        return finish(r, capi_output(OP_BODY, s, newline))
    end
    return finish(r, rc)
end

-- Sends what out_buf got, or returns the argument error met while filling it.
local function send_filled(r, newline, err)
    if err then
        return finish(r, nil, err)
    end
    return finish(r, output_buffered(r, newline))
end

-- Puts values 1 .. n of at most twelve; returns the first argument error, else nil.
-- Written out: LuaJIT counts each call of a recursion against its unroll limit, and a
-- handler's trace that inlined a call of many values aborted on it.
local function put_fixed(fname, n, a, b, c, d, e, f, g, h, j, k, l, m)
    local buf = out_buf
    return n > 0 and (put_value(buf, a, 1, fname, 0)
        or n > 1 and (put_value(buf, b, 2, fname, 0)
        or n > 2 and (put_value(buf, c, 3, fname, 0)
        or n > 3 and (put_value(buf, d, 4, fname, 0)
        or n > 4 and (put_value(buf, e, 5, fname, 0)
        or n > 5 and (put_value(buf, f, 6, fname, 0)
        or n > 6 and (put_value(buf, g, 7, fname, 0)
        or n > 7 and (put_value(buf, h, 8, fname, 0)
        or n > 8 and (put_value(buf, j, 9, fname, 0)
        or n > 9 and (put_value(buf, k, 10, fname, 0)
        or n > 10 and (put_value(buf, l, 11, fname, 0)
        or n > 11 and put_value(buf, m, 12, fname, 0)))))))))))) or nil
end

-- ngx.say and ngx.print with up to twelve values (the common calls, an answer
-- written as one call included): of fixed arity, so that it is compiled on its own
-- (see output_string). Tail-called by them (see finish).
local function output_values(newline, fname, n, a, b, c, d, e, f, g, h, j, k, l, m)
    local r = get_request()
    if not r then
        error(no_request_msg(OUTPUT_API), 2)
    end
    out_buf:reset()
    return send_filled(r, newline, put_fixed(fname, n, a, b, c, d, e, f, g, h, j, k, l, m))
end

-- ngx.say and ngx.print with more values, tail-called by them.
local function output_many(newline, fname, ...)
    local r = get_request()
    if not r then
        error(no_request_msg(OUTPUT_API), 2)
    end
    out_buf:reset()
    return send_filled(r, newline, put_args(fname, 1, ...))
end

-- ngx.say and ngx.print. The dispatch is in each function itself: behind a shared
-- vararg function it would run interpreted on every call from code not compiled.
local function writer(newline, fname)
    return function(...)
        local n = select("#", ...)
        if n > MAX_FIXED_VALUES then
            return output_many(newline, fname, ...)
        end
        local s = ...
        if n == 1 and type(s) == "string" then
            return output_string(s, newline)
        end
        return output_values(newline, fname, n, ...)
    end
end

ngx.say = writer(1, "say")
ngx.print = writer(0, "print")

function ngx.send_headers()
    local r = get_request()
    if not r then
        error(no_request_msg(C_API), 2)
    end
    return finish(r, control(OP_SEND_HEADERS, C.nlf_ffi_send_headers(r, errmsg)))
end

function ngx.eof(...)
    local r = get_request()
    if not r then
        error(no_request_msg(OUTPUT_API), 2)
    end
    local n = select("#", ...)
    if n ~= 0 then
        error("expecting zero arguments, but got " .. n, 2)
    end
    return finish(r, control(OP_EOF, C.nlf_ffi_eof(r, errmsg)))
end

function ngx.flush(wait)
    local r = get_request()
    if not r then
        error(no_request_msg(OUTPUT_API), 2)
    end
    local flag = wait and 1 or 0
    local rc, msg = control(OP_FLUSH, C.nlf_ffi_flush(r, flag, errmsg), flag)
    if rc == -2 then
        wait_for_scheduler()
        local err
        rc, err = wait_result()
        if rc ~= 0 then
            return nil, err
        end
        return 1
    end
    return finish(r, rc, msg)
end

return {
    version = base.version,
}
