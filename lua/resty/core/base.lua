-- Shared pieces of the built-in API layer: the request lookup, FFI status codes,
-- scratch buffers, the yield marker of the wait protocol, and the `ngx` table's
-- magic keys (ngx.status, ...). Third-party code that uses lua-resty-core's base
-- module finds the same names here.
local ffi = require "ffi"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local error = error
local pcall = pcall
local co_yield = coroutine.yield
local band = bit.band
local type = type
local rawset = rawset
local setmetatable = setmetatable

ffi.cdef[[
typedef struct ngx_http_request_s ngx_http_request_t;
typedef struct {
    size_t len;
    const unsigned char *data;
} ngx_str_t;
typedef struct {
    int len;
    const unsigned char *data;
} ngx_http_lua_ffi_str_t;
typedef struct {
    ngx_http_lua_ffi_str_t key;
    ngx_http_lua_ffi_str_t value;
} ngx_http_lua_ffi_table_elt_t;

int ngx_http_lua_ffi_get_phase(ngx_http_request_t *r, char **err);
int nlf_ffi_wait_result(const char **err);
void nlf_ffi_wait_cancel(void);
void *nlf_ffi_key_shapes_new(void);
void nlf_ffi_key_shapes_free(void *table);
typedef struct {
    int shape;
    int changed_count;
    int changed[32];
} nlf_key_shape_found_t;
]]

local _M = {
    version = "0.1.31",
    FFI_OK = 0,
    FFI_ERROR = -1,
    FFI_AGAIN = -2,
    FFI_BUSY = -3,
    FFI_DONE = -4,
    FFI_DECLINED = -5,
    FFI_ABORT = -6,
    FFI_NO_REQ_CTX = -100,
    FFI_BAD_CONTEXT = -101,
}

local ok, new_tab = pcall(require, "table.new")
if not ok then
    new_tab = function() return {} end
end
local clear_tab
ok, clear_tab = pcall(require, "table.clear")
if not ok then
    clear_tab = function(t)
        for k in pairs(t) do t[k] = nil end
    end
end
_M.new_tab = new_tab
_M.clear_tab = clear_tab

local clone = require "table.clone"

-- Adds `value` under `key` of a result table (headers, arguments): a repeated key
-- gets an array of its values. Returns `arrays`, with `key` added when it has just
-- become one (see copy_result).
local function add_value(t, key, value, arrays)
    local existing = t[key]
    if existing == nil then
        t[key] = value
    elseif type(existing) == "table" then
        existing[#existing + 1] = value
    else
        t[key] = { existing, value }
        if arrays then
            arrays[#arrays + 1] = key
        else
            arrays = { key }
        end
    end
    return arrays
end

-- table.clone allocates without the garbage collector's check (which only
-- allocations the VM makes itself carry), so a loop that only clones would grow the
-- heap until something else allocates. Making a string puts that check next to each
-- clone; the string is interned already, so nothing is allocated for it.
local gc_probe_buf = ffi_new("char[2]", "x")
local gc_probe

local function clone_checked(t)
    gc_probe = ffi_str(gc_probe_buf, 1)
    return clone(t)
end

-- Key shapes (core/pure/key_shapes.hpp): the C side recognizes the keys of a list of
-- pairs as those of a table made before and says which values changed since; the
-- table is then a clone of that shape's template. One set per kind of table.
local SHAPE_STORED = 0x100
local found_ptr_type = ffi.typeof("nlf_key_shape_found_t *")

function _M.new_shapes()
    local buf = C.nlf_ffi_key_shapes_new()
    if buf == nil then
        error("no memory")
    end
    ffi.gc(buf, C.nlf_ffi_key_shapes_free)
    return {
        buf = buf,
        found = ffi.cast(found_ptr_type, buf),
        templates = {},  -- slot -> a table with the shape's keys, or false: repeated keys
        keys = {},       -- slot -> the shape's keys in order
    }
end

local function pair_value(pair)
    local len = pair.value.len
    if len < 0 then
        return true
    end
    return ffi_str(pair.value.data, len)
end

-- The table of pairs[0 .. n-1] (headers, arguments): a repeated key gets an array of
-- its values, a value of length -1 is true. `shapes` holds what the C side found for
-- the keys (nil: nothing). Also returns the keys that got arrays, or nil.
function _M.pairs_table(pairs, n, shapes)
    local shape = -1
    if shapes then
        local found = shapes.found
        shape = found.shape
        if shape >= 0 and shape < SHAPE_STORED then
            local template = shapes.templates[shape]
            if template then
                local keys = shapes.keys[shape]
                for j = 0, found.changed_count - 1 do
                    local i = found.changed[j]
                    template[keys[i + 1]] = pair_value(pairs[i])
                end
                return clone_checked(template)
            end
            if template == false then
                shape = -1
            end
        end
    end
    local t = new_tab(0, n)
    local arrays
    local keys = shape >= 0 and new_tab(n, 0)
    for i = 0, n - 1 do
        local pair = pairs[i]
        local key = ffi_str(pair.key.data, pair.key.len)
        arrays = add_value(t, key, pair_value(pair), arrays)
        if keys then
            keys[i + 1] = key
        end
    end
    if keys then
        local slot = shape % SHAPE_STORED
        shapes.templates[slot] = not arrays and clone(t)
        shapes.keys[slot] = keys
    end
    return t, arrays
end

-- The limit argument of get_headers & co: nil means the default (-1 to C); errors
-- point at the caller of `fname`.
function _M.check_max(max, fname)
    if max == nil then
        return -1
    end
    if type(max) ~= "number" then
        error("bad argument #1 to '" .. fname .. "' (number expected, got " .. type(max)
              .. ")", 3)
    end
    return max
end

-- A string argument as the C API's luaL_checklstring takes it: a number becomes its
-- string. `level`, as error() counts it from here, is the code that called `fname`
-- (3 when that function called this one directly).
function _M.check_string(v, argn, fname, level)
    local t = type(v)
    if t == "string" then
        return v
    end
    if t == "number" then
        return tostring(v)
    end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. t .. ")",
          level or 3)
end

_M.add_value = add_value

-- A fresh copy of a table of strings and arrays of strings (what get_headers and
-- get_uri_args build), which the caller may change; `arrays` lists the keys whose
-- values are arrays, or is nil.
function _M.copy_result(t, arrays)
    local copy = clone_checked(t)
    if arrays then
        for i = 1, #arrays do
            local k = arrays[i]
            copy[k] = clone(t[k])
        end
    end
    return copy
end

-- The request of the running coroutine (its thread.exdata), nil without one
-- (exdata itself gives a NULL pointer then, which is truthy). Always one value, so
-- that `f(get_request())` passes an argument outside requests too.
local exdata = require "thread.exdata"

function _M.get_request()
    local r = exdata()
    if r ~= nil then
        return r
    end
    return nil
end

-- What an ngx.* call inside any coroutine yields when it must wait, so that
-- coroutine.resume can pass the wait up to the scheduler (see resty.core.coroutine).
local YIELD = setmetatable({}, { __tostring = function() return "ngx yield" end })
_M.YIELD = YIELD
-- What coroutine.resume resumes a coroutine with when the wait it passed up could not
-- go further (the resumer runs inside a C call).
local YIELD_FAILED = setmetatable({}, { __tostring = function() return "ngx yield failed" end })
_M.YIELD_FAILED = YIELD_FAILED

local function resumed(ok, first, ...)
    if ok and first ~= YIELD_FAILED then
        return first, ...
    end
    -- Inside a C call (a string.gsub callback, ...) nothing can wait: the wait just
    -- started is dropped.
    C.nlf_ffi_wait_cancel()
    error("attempt to yield across C-call boundary", 0)
end

-- The second half of every wait: the FFI call has started it, the running coroutine
-- yields to the scheduler, and this returns what the wait's end passes (or raises
-- when the coroutine cannot yield).
function _M.wait()
    return resumed(pcall(co_yield, YIELD))
end

local str_buf_size = 4096
local str_buf
local size_ptr = ffi_new("size_t[1]")
local errmsg_ptr = ffi_new("char *[1]")
local const_errmsg_ptr = ffi_new("const char *[1]")

function _M.get_string_buf_size()
    return str_buf_size
end

function _M.set_string_buf_size(size)
    if size <= 0 then
        return
    end
    str_buf = nil
    str_buf_size = size
end

-- A per-worker scratch buffer of at least `size` bytes; its content is only valid
-- until the next call.
function _M.get_string_buf(size, must_alloc)
    if size > str_buf_size or must_alloc then
        return ffi_new("unsigned char[?]", size)
    end
    if not str_buf then
        str_buf = ffi_new("unsigned char[?]", str_buf_size)
    end
    return str_buf
end

function _M.get_size_ptr()
    return size_ptr
end

function _M.get_errmsg_ptr()
    return errmsg_ptr
end

function _M.get_const_errmsg_ptr()
    return const_errmsg_ptr
end

function _M.ref_in_table(tb, key)
    if key == nil then
        return -1
    end
    -- tb[0] heads the free list, as with luaL_ref; 0 there means "empty".
    local ref = tb[0]
    if ref and ref ~= 0 then
        tb[0] = tb[ref]
    else
        ref = #tb + 1
    end
    tb[ref] = key
    return ref
end

-- Raises unless this subsystem is among the arguments: libraries use it as a guard.
function _M.allows_subsystem(...)
    for i = 1, select("#", ...) do
        if select(i, ...) == "http" then
            return
        end
    end
    error("unsupported subsystem: http", 2)
end

local directive_of_context = {
    [0x1] = "set_by_lua*",
    [0x2] = "rewrite_by_lua*",
    [0x4] = "access_by_lua*",
    [0x8] = "content_by_lua*",
    [0x10] = "log_by_lua*",
    [0x20] = "header_filter_by_lua*",
    [0x40] = "body_filter_by_lua*",
    [0x80] = "ngx.timer",
    [0x100] = "init_worker_by_lua*",
    [0x200] = "balancer_by_lua*",
    [0x400] = "ssl_certificate_by_lua*",
    [0x800] = "ssl_session_store_by_lua*",
    [0x1000] = "ssl_session_fetch_by_lua*",
    [0x2000] = "exit_worker_by_lua*",
    [0x4000] = "ssl_client_hello_by_lua*",
    [0x8000] = "server_rewrite_by_lua*",
    [0x10000] = "init_by_lua*",
}

local INIT = 0x10000

-- What an API says when it is called where OpenResty refuses it. OpenResty runs
-- timers, init_worker_by_lua* and exit_worker_by_lua* with a fake request, so there an
-- API gets as far as its own context check; only init_by_lua* has no request at all.
-- The words follow how OpenResty implements the API: lua-resty-core's FFI functions
-- say "API disabled in the current context", ngx_lua's Lua C functions name the
-- context ("API disabled in the context of ngx.timer"); each says its own thing when
-- there is no request. `names_context` picks the first or the second.
function _M.wording(no_request, names_context)
    return { no_request = no_request, names_context = names_context }
end

-- The wording of lua-resty-core's FFI functions (ngx.req.get_headers, ngx.var, ...),
-- the default of the functions below; of ngx_lua's C functions that check the phase
-- (ngx.sleep, ngx.thread.*, ...), and of those among them that say "no request object
-- found" (ngx.say, ngx.exec, ...); of its C functions that only refuse the fake
-- request (ngx.req.get_post_args, ngx.resp.get_headers, ...).
local FFI_API = _M.wording("no request found", false)
_M.FFI_API = FFI_API
_M.C_API = _M.wording("no request found", true)
_M.C_OBJECT_API = _M.wording("no request object found", true)
_M.C_FAKE_REQUEST_API = _M.wording("no request object found", false)

-- The message for a call refused in the code running now; `r` is its request, or
-- nil outside requests.
function _M.disabled_msg(r, wording)
    wording = wording or FFI_API
    local context = C.ngx_http_lua_ffi_get_phase(r, errmsg_ptr)
    if r == nil and context == INIT then
        return wording.no_request
    end
    if not wording.names_context then
        return "API disabled in the current context"
    end
    return "API disabled in the context of "
           .. (directive_of_context[context] or "(unknown)")
end

-- ngx.ctx of runs without a request (a timer's, init_worker_by_lua's,
-- exit_worker_by_lua's): the run's number -> its table. The C side lets a run's entry
-- go when the run ends (src/core/lua_vm.cpp reads this registry name).
_M.requestless_ctxs = {}
debug.getregistry().nlf_requestless_ctxs = _M.requestless_ctxs

-- The error an API that needs a request raises when there is none (see
-- disabled_msg).
function _M.no_request_msg(wording)
    return _M.disabled_msg(nil, wording)
end

-- Raises the error for a status an FFI function returned instead of OK.
function _M.check_status(rc, r, level, wording)
    if rc == -101 then
        error(_M.disabled_msg(r, wording), level + 1)
    end
    if rc == -100 then
        error("no request ctx found", level + 1)
    end
end

-- Raises unless the code running now may wait (rewrite, access, content, timers).
local YIELDABLE = 0x2 + 0x4 + 0x8 + 0x80 + 0x8000

-- `level` as error() counts it from the caller.
function _M.check_yieldable(r, level, wording)
    if band(C.ngx_http_lua_ffi_get_phase(r, errmsg_ptr), YIELDABLE) == 0 then
        error(_M.disabled_msg(r, wording), level + 1)
    end
end

-- After a yield for an io wait: the outcome and error message the scheduler left.
function _M.wait_result()
    local rc = C.nlf_ffi_wait_result(const_errmsg_ptr)
    if rc == 0 then
        return 0
    end
    local err = const_errmsg_ptr[0]
    return rc, err ~= nil and ffi_str(err) or "unknown error"
end

-- The namespaces the API areas fill in.
ngx.req = new_tab(0, 32)
ngx.resp = new_tab(0, 4)

-- ngx.status, ngx.ctx, ... are keys of `ngx` backed by functions.
local getters = {}
local setters = {}

function _M.register_getter(key, fn)
    getters[key] = fn
end

function _M.register_setter(key, fn)
    setters[key] = fn
end

-- No tail calls here: the getters and setters raise errors at level 3, which
-- must be the user's code.
setmetatable(ngx, {
    __index = function(_, key)
        local get = getters[key]
        if get then
            local value = get()
            return value
        end
    end,
    __newindex = function(tb, key, value)
        local set = setters[key]
        if set then
            set(value)
            return
        end
        -- A plain field would hide the getter for every later request.
        if getters[key] then
            error("attempt to set read-only ngx." .. key, 2)
        end
        rawset(tb, key, value)
    end,
})

return _M
