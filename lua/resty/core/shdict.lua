-- ngx.shared.DICT: the methods of every dictionary object. Each one is one FFI call
-- (OpenResty still uses the Lua C API for the list methods, get_keys and
-- flush_expired). Argument checks and messages follow OpenResty: lua-resty-core's for
-- the methods it implements, the C API's for the others.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local error = error
local getmetatable = getmetatable
local next = next
local select = select
local tonumber = tonumber
local tostring = tostring
local type = type
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size
local new_tab = base.new_tab

ffi.cdef[[
typedef struct {
    double num;
    unsigned char *str;
    size_t len;
    int type;
    unsigned int flags;
    int forcible;
    int stale;
} nlf_shdict_result_t;

typedef struct {
    unsigned char *bytes;
    size_t byte_capacity;
    uint16_t *lengths;
    size_t count_capacity;
    size_t count;
    size_t needed_bytes;
    size_t needed_count;
    uint32_t cursor;
} nlf_shdict_keys_t;

int nlf_ffi_shdict_get(void *zone, const unsigned char *key, size_t key_len, int get_stale,
    unsigned char *buf, size_t buf_len, nlf_shdict_result_t *out);
int nlf_ffi_shdict_store(void *zone, int op, const unsigned char *key, size_t key_len,
    int value_type, const unsigned char *str, size_t str_len, double num, long ttl_ms,
    unsigned int user_flags, nlf_shdict_result_t *out);
int nlf_ffi_shdict_incr(void *zone, const unsigned char *key, size_t key_len, double delta,
    int has_init, double init, long init_ttl_ms, nlf_shdict_result_t *out);
int nlf_ffi_shdict_push(void *zone, int back, const unsigned char *key, size_t key_len,
    int value_type, const unsigned char *str, size_t str_len, double num,
    nlf_shdict_result_t *out);
int nlf_ffi_shdict_pop(void *zone, int back, const unsigned char *key, size_t key_len,
    unsigned char *buf, size_t buf_len, nlf_shdict_result_t *out);
int nlf_ffi_shdict_llen(void *zone, const unsigned char *key, size_t key_len,
    nlf_shdict_result_t *out);
int nlf_ffi_shdict_ttl(void *zone, const unsigned char *key, size_t key_len,
    nlf_shdict_result_t *out);
int nlf_ffi_shdict_expire(void *zone, const unsigned char *key, size_t key_len, long ttl_ms);
int nlf_ffi_shdict_flush_all(void *zone);
long nlf_ffi_shdict_flush_expired(void *zone, size_t max);
int nlf_ffi_shdict_get_keys(void *zone, size_t max, nlf_shdict_keys_t *batch);
long nlf_ffi_shdict_capacity(void *zone);
long nlf_ffi_shdict_free_space(void *zone);
]]

if not pcall(function() return C.free end) then
    ffi.cdef[[
void free(void *ptr);
    ]]
end

local _M = {
    version = base.version,
}

local BAD_ZONE = -1
-- Status codes of the nlf_ffi_shdict_* functions.
local OK = 0
local NO_MEMORY = 3
local messages = {
    [1] = "not found",
    [2] = "exists",
    [3] = "no memory",
    [4] = "not a number",
    [5] = "value not a list",
    [6] = "value is a list",
}

-- Value types, as Lua numbers them.
local T_NIL = 0
local T_BOOLEAN = 1
local T_NUMBER = 3
local T_STRING = 4

-- nlf_ffi_shdict_get_keys results
local BATCH_DONE = 0
local BATCH_TOO_SMALL = 2

-- store ops
local ADD = 0x1
local REPLACE = 0x2
local SAFE = 0x4

local MAX_KEY_LEN = 65535
-- get_keys(0) wants every key: more than a zone can hold.
local ALL_KEYS = 2 ^ 52

local out = ffi_new("nlf_shdict_result_t")
local keys_batch = ffi_new("nlf_shdict_keys_t")
local key_bytes_size = 64 * 1024
local key_count_size = 1024
local key_bytes, key_lengths

-- The zone userdata of a dictionary object. Called by the methods themselves, so that
-- the error points at their caller.
local function zone_of(dict)
    if type(dict) == "table" then
        local zone = dict[1]
        if type(zone) == "userdata" then
            return zone
        end
    end
    error('bad "zone" argument', 3)
end

-- What a method returns for a status other than OK. Tail-called by the method: an
-- error raised here points at the method's caller.
local function failed(rc)
    if rc == BAD_ZONE then
        error('bad "zone" argument', 2)
    end
    return nil, messages[rc]
end

-- lua-resty-core's key rules: nil is refused, anything else goes through tostring.
-- Returns the key, or nil and the error the method returns.
local function normalize_key(key)
    if key == nil then
        return nil, "nil key"
    end
    if type(key) ~= "string" then
        key = tostring(key)
    end
    local len = #key
    if len == 0 then
        return nil, "empty key"
    end
    if len > MAX_KEY_LEN then
        return nil, "key too long"
    end
    return key
end

-- The C API's key rules (list methods): strings and numbers only. `level` is where the
-- method's caller is, seen from here.
local function normalize_list_key(key, fname, level)
    if key == nil then
        return nil, "nil key"
    end
    local t = type(key)
    if t == "number" then
        key = tostring(key)
    elseif t ~= "string" then
        error("bad argument #1 to '" .. fname .. "' (string expected, got " .. t .. ")", level)
    end
    local len = #key
    if len == 0 then
        return nil, "empty key"
    end
    if len > MAX_KEY_LEN then
        return nil, "key too long"
    end
    return key
end

-- A number argument (a numeric string will do, as with the C API's checks).
local function number_arg(v, argn, fname, level)
    local n = tonumber(v)
    if n == nil then
        error("bad argument #" .. argn .. " to '" .. fname .. "' (number expected, got "
              .. type(v) .. ")", level)
    end
    return n
end

-- The value `out` describes after a get or pop into `buf`; frees a string C had to
-- allocate because it did not fit.
local function take_value(buf)
    local typ = out.type
    if typ == T_NUMBER then
        return out.num
    end
    if typ == T_STRING then
        local p = out.str
        local s = ffi_str(p, out.len)
        if p ~= buf then
            C.free(p)
        end
        return s
    end
    if typ == T_BOOLEAN then
        return out.num ~= 0
    end
    return nil
end

-- get and get_stale (`stale` 1), tail-called by them: level 2 is their caller.
local function fetch(dict, key, stale)
    local zone = zone_of(dict)
    local err
    key, err = normalize_key(key)
    if not key then
        return nil, err
    end
    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    local rc = C.nlf_ffi_shdict_get(zone, key, #key, stale, buf, size, out)
    if rc ~= OK then
        return failed(rc)
    end
    local value = take_value(buf)
    if value == nil then
        return nil
    end
    local flags = out.flags
    if stale ~= 0 then
        return value, flags ~= 0 and flags or nil, out.stale ~= 0
    end
    if flags ~= 0 then
        return value, flags
    end
    return value
end

local function shdict_get(dict, key)
    return fetch(dict, key, 0)
end

local function shdict_get_stale(dict, key)
    return fetch(dict, key, 1)
end

-- Tail-called by the store methods: level 2 is their caller.
local function store(zone, op, fname, key, value, exptime, flags)
    if not exptime then
        exptime = 0
    else
        if type(exptime) ~= "number" then
            exptime = number_arg(exptime, 3, fname, 3)
        end
        if exptime < 0 then
            error('bad "exptime" argument', 2)
        end
    end
    if not flags then
        flags = 0
    elseif type(flags) ~= "number" then
        flags = number_arg(flags, 4, fname, 3)
    end
    local err
    key, err = normalize_key(key)
    if not key then
        return nil, err
    end

    local vtype = type(value)
    local str, str_len, num = nil, 0, 0
    if vtype == "string" then
        vtype = T_STRING
        str = value
        str_len = #value
    elseif vtype == "number" then
        vtype = T_NUMBER
        num = value
    elseif value == nil then
        if op ~= 0 and op ~= SAFE then
            return false, "attempt to add or replace nil values", false
        end
        vtype = T_NIL
    elseif vtype == "boolean" then
        vtype = T_BOOLEAN
        num = value and 1 or 0
    else
        return nil, "bad value type"
    end

    local rc = C.nlf_ffi_shdict_store(zone, op, key, #key, vtype, str, str_len, num,
                                      exptime * 1000, flags, out)
    if rc == OK then
        return true, nil, out.forcible == 1
    end
    if rc == BAD_ZONE then
        error('bad "zone" argument', 2)
    end
    return false, messages[rc], out.forcible == 1
end

local function shdict_set(dict, key, value, exptime, flags)
    return store(zone_of(dict), 0, "set", key, value, exptime, flags)
end

local function shdict_safe_set(dict, key, value, exptime, flags)
    return store(zone_of(dict), SAFE, "safe_set", key, value, exptime, flags)
end

local function shdict_add(dict, key, value, exptime, flags)
    return store(zone_of(dict), ADD, "add", key, value, exptime, flags)
end

local function shdict_safe_add(dict, key, value, exptime, flags)
    return store(zone_of(dict), ADD + SAFE, "safe_add", key, value, exptime, flags)
end

local function shdict_replace(dict, key, value, exptime, flags)
    return store(zone_of(dict), REPLACE, "replace", key, value, exptime, flags)
end

local function shdict_delete(dict, key)
    return store(zone_of(dict), 0, "delete", key, nil)
end

local function shdict_incr(dict, key, value, init, init_ttl)
    local zone = zone_of(dict)
    local err
    key, err = normalize_key(key)
    if not key then
        return nil, err
    end
    if type(value) ~= "number" then
        value = number_arg(value, 2, "incr", 3)
    end
    if init then
        local typ = type(init)
        if typ ~= "number" then
            init = tonumber(init)
            if not init then
                error("bad init arg: number expected, got " .. typ, 2)
            end
        end
    end
    if init_ttl ~= nil then
        local typ = type(init_ttl)
        if typ ~= "number" then
            init_ttl = tonumber(init_ttl)
            if not init_ttl then
                error("bad init_ttl arg: number expected, got " .. typ, 2)
            end
        end
        if init_ttl < 0 then
            error('bad "init_ttl" argument', 2)
        end
        if not init then
            error('must provide "init" when providing "init_ttl"', 2)
        end
    else
        init_ttl = 0
    end

    local rc = C.nlf_ffi_shdict_incr(zone, key, #key, value, init and 1 or 0, init or 0,
                                     init_ttl * 1000, out)
    if rc ~= OK then
        return failed(rc)
    end
    if not init then
        return out.num
    end
    return out.num, nil, out.forcible == 1
end

-- Tail-called by lpush/rpush after their argument count check: level 2 is the caller.
local function push(back, fname, dict, key, value)
    local zone = zone_of(dict)
    local err
    key, err = normalize_list_key(key, fname, 3)
    if not key then
        return nil, err
    end
    local vtype = type(value)
    local str, str_len, num = nil, 0, 0
    if vtype == "string" then
        vtype = T_STRING
        str = value
        str_len = #value
    elseif vtype == "number" then
        vtype = T_NUMBER
        num = value
    else
        return nil, "bad value type"
    end
    local rc = C.nlf_ffi_shdict_push(zone, back, key, #key, vtype, str, str_len, num, out)
    if rc == OK then
        return out.num
    end
    if rc == NO_MEMORY then
        return false, messages[rc]
    end
    return failed(rc)
end

-- Tail-called by lpop/rpop.
local function pop(back, fname, dict, key)
    local zone = zone_of(dict)
    local err
    key, err = normalize_list_key(key, fname, 3)
    if not key then
        return nil, err
    end
    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    local rc = C.nlf_ffi_shdict_pop(zone, back, key, #key, buf, size, out)
    if rc ~= OK then
        return failed(rc)
    end
    return take_value(buf)
end

-- The list methods take exactly `nargs` arguments (self included), as OpenResty
-- counts them; `impl` is push or pop, told which end and the method's name.
local function list_method(nargs, impl, back, fname)
    return function(...)
        local n = select("#", ...)
        if n ~= nargs then
            error("expecting " .. nargs .. " arguments, but only seen " .. n, 2)
        end
        return impl(back, fname, ...)
    end
end

local shdict_lpush = list_method(3, push, 0, "lpush")
local shdict_rpush = list_method(3, push, 1, "rpush")
local shdict_lpop = list_method(2, pop, 0, "lpop")
local shdict_rpop = list_method(2, pop, 1, "rpop")

-- Tail-called by shdict_llen.
local function llen(dict, key)
    local zone = zone_of(dict)
    local err
    key, err = normalize_list_key(key, "llen", 3)
    if not key then
        return nil, err
    end
    local rc = C.nlf_ffi_shdict_llen(zone, key, #key, out)
    if rc ~= OK then
        return failed(rc)
    end
    return out.num
end

local function shdict_llen(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("expecting 2 arguments, but only seen " .. n, 2)
    end
    return llen(...)
end

local function shdict_ttl(dict, key)
    local zone = zone_of(dict)
    local err
    key, err = normalize_key(key)
    if not key then
        return nil, err
    end
    local rc = C.nlf_ffi_shdict_ttl(zone, key, #key, out)
    if rc ~= OK then
        return failed(rc)
    end
    return out.num / 1000
end

local function shdict_expire(dict, key, exptime)
    local zone = zone_of(dict)
    if not exptime then
        error('bad "exptime" argument', 2)
    end
    if type(exptime) ~= "number" then
        exptime = number_arg(exptime, 2, "expire", 3)
    end
    if exptime < 0 then
        error('bad "exptime" argument', 2)
    end
    local err
    key, err = normalize_key(key)
    if not key then
        return nil, err
    end
    local rc = C.nlf_ffi_shdict_expire(zone, key, #key, exptime * 1000)
    if rc ~= OK then
        return failed(rc)
    end
    return true
end

local function shdict_flush_all(dict)
    if C.nlf_ffi_shdict_flush_all(zone_of(dict)) == BAD_ZONE then
        error('bad "zone" argument', 2)
    end
end

-- Tail-called by shdict_flush_expired. A count of 0 or less means "all".
local function flush_expired(dict, max)
    local zone = zone_of(dict)
    if max == nil then
        max = 0
    elseif type(max) ~= "number" then
        max = number_arg(max, 1, "flush_expired", 3)
    end
    local freed = C.nlf_ffi_shdict_flush_expired(zone, max > 0 and max or 0)
    if freed < 0 then
        error('bad "zone" argument', 2)
    end
    return tonumber(freed)
end

local function shdict_flush_expired(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting 1 or 2 argument(s), but saw " .. n, 2)
    end
    return flush_expired(...)
end

-- Appends the keys of a batch to `keys` from the i-th on; returns the new count. Tail
-- recursion rather than a loop: LuaJIT compiles it into the caller's trace, where an
-- inner loop would start a trace of its own.
local function append_keys(keys, n, i, count, at)
    if i == count then
        return n
    end
    local len = key_lengths[i]
    keys[n + 1] = ffi_str(key_bytes + at, len)
    return append_keys(keys, n + 1, i + 1, count, at + len)
end

-- Tail-called by shdict_get_keys. A count of 0 or less means "all".
local function get_keys(dict, max)
    local zone = zone_of(dict)
    if max == nil then
        max = 1024
    else
        if type(max) ~= "number" then
            max = number_arg(max, 1, "get_keys", 3)
        end
        if max <= 0 then
            max = ALL_KEYS
        end
    end
    local keys = new_tab(max < 1024 and max or 1024, 0)
    local n = 0
    local batch = keys_batch
    batch.cursor = 0
    local rc
    repeat
        if not key_bytes then
            key_bytes = ffi_new("unsigned char[?]", key_bytes_size)
            key_lengths = ffi_new("uint16_t[?]", key_count_size)
        end
        batch.bytes = key_bytes
        batch.byte_capacity = key_bytes_size
        batch.lengths = key_lengths
        batch.count_capacity = key_count_size
        rc = C.nlf_ffi_shdict_get_keys(zone, max - n, batch)
        if rc == BAD_ZONE then
            error('bad "zone" argument', 2)
        end
        if rc == BATCH_TOO_SMALL then
            -- One bucket holds more than the buffers: grow them for good.
            key_bytes_size = key_bytes_size + tonumber(batch.needed_bytes)
            key_count_size = key_count_size + tonumber(batch.needed_count)
            key_bytes = nil
        else
            n = append_keys(keys, n, 0, tonumber(batch.count), 0)
        end
    until rc == BATCH_DONE
    return keys
end

local function shdict_get_keys(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting 1 or 2 argument(s), but saw " .. n, 2)
    end
    return get_keys(...)
end

local function shdict_capacity(dict)
    local bytes = C.nlf_ffi_shdict_capacity(zone_of(dict))
    if bytes < 0 then
        error('bad "zone" argument', 2)
    end
    return tonumber(bytes)
end

local function shdict_free_space(dict)
    local bytes = C.nlf_ffi_shdict_free_space(zone_of(dict))
    if bytes < 0 then
        error('bad "zone" argument', 2)
    end
    return tonumber(bytes)
end

-- Every dictionary object shares one metatable whose __index is itself (the shape
-- OpenResty documents): filling it in gives all of them their methods.
local _, any_dict = next(ngx.shared)
if any_dict then
    local methods = getmetatable(any_dict).__index
    methods.get = shdict_get
    methods.get_stale = shdict_get_stale
    methods.set = shdict_set
    methods.safe_set = shdict_safe_set
    methods.add = shdict_add
    methods.safe_add = shdict_safe_add
    methods.replace = shdict_replace
    methods.delete = shdict_delete
    methods.incr = shdict_incr
    methods.lpush = shdict_lpush
    methods.rpush = shdict_rpush
    methods.lpop = shdict_lpop
    methods.rpop = shdict_rpop
    methods.llen = shdict_llen
    methods.ttl = shdict_ttl
    methods.expire = shdict_expire
    methods.flush_all = shdict_flush_all
    methods.flush_expired = shdict_flush_expired
    methods.get_keys = shdict_get_keys
    methods.capacity = shdict_capacity
    methods.free_space = shdict_free_space
end

return _M
