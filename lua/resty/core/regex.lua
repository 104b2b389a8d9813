-- ngx.re.match, ngx.re.find, ngx.re.gmatch, ngx.re.sub, ngx.re.gsub on PCRE2
-- (src/core/regex.cpp). The pieces ngx.re.split needs are exported.
local ffi = require "ffi"
local base = require "resty.core.base"
local bit = require "bit"
require "resty.core.log"  -- ngx_http_lua_ffi_raw_log

local C = ffi.C
local ffi_gc = ffi.gc
local ffi_str = ffi.string
local ffi_cast = ffi.cast
local ffi_copy = ffi.copy
local ffi_new = ffi.new
local band = bit.band
local bor = bit.bor
local lshift = bit.lshift
local byte = string.byte
local sub = string.sub
local error = error
local tostring = tostring
local type = type
local setmetatable = setmetatable
local new_tab = base.new_tab
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size

ffi.cdef[[
typedef struct {
    ngx_str_t value;
    void *lengths;
    void *values;
} ngx_http_lua_complex_value_t;

typedef struct {
    void *pool;
    unsigned char *name_table;
    int name_count;
    int name_entry_size;
    int ncaptures;
    int *captures;
    void *regex;
    void *regex_sd;
    ngx_http_lua_complex_value_t *replace;
    const char *pattern;
} ngx_http_lua_regex_t;

typedef struct ngx_http_lua_script_engine_s ngx_http_lua_script_engine_t;

const char *ngx_http_lua_ffi_pcre_version(void);
ngx_http_lua_regex_t *ngx_http_lua_ffi_compile_regex(const unsigned char *pat, size_t pat_len,
    int flags, int pcre_opts, unsigned char *errstr, size_t errstr_size);
int ngx_http_lua_ffi_exec_regex(ngx_http_lua_regex_t *re, int flags, const unsigned char *s,
    size_t len, int pos);
void ngx_http_lua_ffi_destroy_regex(ngx_http_lua_regex_t *re);
int ngx_http_lua_ffi_compile_replace_template(ngx_http_lua_regex_t *re,
    const unsigned char *replace_data, size_t replace_len);
ngx_http_lua_script_engine_t *ngx_http_lua_ffi_create_script_engine(void);
void ngx_http_lua_ffi_init_script_engine(ngx_http_lua_script_engine_t *e,
    const unsigned char *subj, ngx_http_lua_regex_t *compiled, int count);
void ngx_http_lua_ffi_destroy_script_engine(ngx_http_lua_script_engine_t *e);
size_t ngx_http_lua_ffi_script_eval_len(ngx_http_lua_script_engine_t *e,
    ngx_http_lua_complex_value_t *cv);
size_t ngx_http_lua_ffi_script_eval_data(ngx_http_lua_script_engine_t *e,
    ngx_http_lua_complex_value_t *cv, unsigned char *dst);
uint32_t ngx_http_lua_ffi_max_regex_cache_size(void);

ngx_http_lua_complex_value_t *nlf_ffi_regex_template(ngx_http_lua_regex_t *re,
    const unsigned char *data, size_t len);
void nlf_ffi_regex_template_free(ngx_http_lua_complex_value_t *cv);
int nlf_ffi_regex_substitute(ngx_http_lua_regex_t *re, ngx_http_lua_complex_value_t *cv,
    int flags, const unsigned char *s, size_t len, int global, unsigned char *buf,
    size_t cap, unsigned char **out, size_t *out_len);
void nlf_ffi_free(void *p);
int nlf_ffi_regex_exec(ngx_http_lua_regex_t *re, int flags, const unsigned char *s, size_t len,
    size_t pos);
const int32_t *nlf_ffi_regex_ovector(ngx_http_lua_regex_t *re);
void *nlf_ffi_regex_jit_match_data(ngx_http_lua_regex_t *re, int flags);
int nlf_ffi_regex_jit_match(void *code, const unsigned char *s, size_t len, size_t pos,
    void *match_data);
]]

-- Matches leave their offsets in the regex's ovector, pairs of PCRE2_SIZE (size_t). Lua
-- reads the low 32 bits of each as an int32_t, cheaper in a trace than a 64-bit value:
-- offsets into Lua strings (< 2 GB) read as they are, PCRE2_UNSET reads -1.
local OFFSET_STRIDE = ffi.sizeof("size_t") / 4
local OFFSET_LOW = ffi.abi("le") and 0 or OFFSET_STRIDE - 1
local exec = C.nlf_ffi_regex_exec
local jit_match = C.nlf_ffi_regex_jit_match
local destroy_regex = C.ngx_http_lua_ffi_destroy_regex
local free_template = C.nlf_ffi_regex_template_free

local FLAG_COMPILE_ONCE = 0x01
local FLAG_DFA = 0x02
local FLAG_JIT = 0x04
local FLAG_DUPNAMES = 0x08
local FLAG_NO_UTF8_CHECK = 0x10
local PCRE_UTF8 = 0x0000800
local NOMATCH = -1
local WARN = 5
local ERRBUF_SIZE = 512
-- Distinct option strings whose parse is remembered; beyond, they are parsed per call.
local MAX_OPTION_STRINGS = 64

-- option letter -> { flags, PCRE1 option bits }
local option_bits = {
    [byte "o"] = { FLAG_COMPILE_ONCE, 0 },
    [byte "j"] = { FLAG_JIT, 0 },
    [byte "d"] = { FLAG_DFA, 0 },
    [byte "i"] = { 0, 0x0000001 },
    [byte "m"] = { 0, 0x0000002 },
    [byte "s"] = { 0, 0x0000004 },
    [byte "x"] = { 0, 0x0000008 },
    [byte "a"] = { 0, 0x0000010 },
    [byte "u"] = { 0, PCRE_UTF8 },
    [byte "U"] = { FLAG_NO_UTF8_CHECK, PCRE_UTF8 },
    [byte "D"] = { FLAG_DUPNAMES, 0x0080000 },
    [byte "J"] = { 0, 0x2000000 },
}

-- option string -> parsed options, each with the compile-once cache of its regexes
local parsed_options = {}
local parsed_option_count = 0

-- Compiled regexes cached for "o", with their templates, count against
-- lua_regex_cache_max_entries; past it nothing more is cached.
local cached_count = 0
local cache_full_logged = false

local c_str_type = ffi.typeof("const char *")
local errbuf = ffi_new("unsigned char[?]", ERRBUF_SIZE)
local out_ptr = ffi_new("unsigned char *[1]")
local out_len = ffi_new("size_t[1]")

local _M = {}

-- The parsed options, or nil and the position of an unknown letter.
local function parse_options(opts)
    local flags, pcre = 0, 0
    for i = 1, #opts do
        local bits = option_bits[byte(opts, i)]
        if not bits then
            return nil, i
        end
        flags = bor(flags, bits[1])
        pcre = bor(pcre, bits[2])
    end
    return {
        flags = flags,
        pcre = pcre,
        once = band(flags, FLAG_COMPILE_ONCE) ~= 0,
        regexes = {},
    }
end

-- The parsed form of `opts` (nil for ""); raises at the ngx.re function's caller, `level`
-- (default 3) as error() counts it.
local function options_of(opts, level)
    if opts == nil then
        opts = ""
    end
    local o = parsed_options[opts]
    if o then
        return o
    end
    if type(opts) ~= "string" then
        error("bad argument #3 (string expected, got " .. type(opts) .. ")", level or 3)
    end
    local bad
    o, bad = parse_options(opts)
    if not o then
        error('unknown flag "' .. sub(opts, bad, bad) .. '" (flags "' .. opts .. '")', level or 3)
    end
    if parsed_option_count < MAX_OPTION_STRINGS then
        parsed_options[opts] = o
        parsed_option_count = parsed_option_count + 1
    end
    return o
end

local function check_regex(regex, fname, level)
    if type(regex) ~= "string" then
        error("bad argument #2 to '" .. fname .. "' (string expected, got " .. type(regex) .. ")",
              level or 3)
    end
end

-- { group, name, group, name, ... } of a compiled regex, or false.
local function capture_names(re)
    local count = re.name_count
    if count == 0 then
        return false
    end
    local names = new_tab(2 * count, 0)
    local tab, size = re.name_table, re.name_entry_size
    for i = 0, count - 1 do
        local entry = tab + i * size
        names[2 * i + 1] = bor(lshift(entry[0], 8), entry[1])
        names[2 * i + 2] = ffi_str(entry + 2)
    end
    return names
end

local function compile(regex, options)
    local re = C.ngx_http_lua_ffi_compile_regex(regex, #regex, options.flags, options.pcre,
                                               errbuf, ERRBUF_SIZE)
    if re == nil then
        return nil, ffi_str(errbuf)
    end
    ffi_gc(re, destroy_regex)
    local jit_md = C.nlf_ffi_regex_jit_match_data(re, options.flags)
    return {
        re = re,
        ovec = C.nlf_ffi_regex_ovector(re),
        code = re.regex,
        -- the match data for jit_match, when the regex can go straight to its JIT code
        jit_md = jit_md ~= nil and jit_md,
        ncap = re.ncaptures,
        names = capture_names(re),
        nnames = re.name_count,
        flags = options.flags,
        dupnames = band(options.flags, FLAG_DUPNAMES) ~= 0,
        utf = band(options.pcre, PCRE_UTF8) ~= 0,
        cached = false,
        templates = false,
    }
end

-- Counts one more cached object; false once the cache is full (warning once).
local function cache_has_room()
    if cached_count < C.ngx_http_lua_ffi_max_regex_cache_size() then
        cached_count = cached_count + 1
        return true
    end
    if not cache_full_logged then
        cache_full_logged = true
        local msg = "lua exceeding regex cache max entries ("
                    .. C.ngx_http_lua_ffi_max_regex_cache_size() .. ")"
        C.ngx_http_lua_ffi_raw_log(get_request(), WARN, msg, #msg)
    end
    return false
end

-- The compiled form of `regex`: cached with "o", else made for this call (release()
-- frees it at once rather than when the GC gets to it).
local function compiled_regex(regex, options)
    local entry = options.regexes[regex]
    if entry then
        return entry
    end
    local err
    entry, err = compile(regex, options)
    if entry and options.once and cache_has_room() then
        entry.cached = true
        options.regexes[regex] = entry
    end
    return entry, err
end

local function release(entry)
    if not entry.cached then
        destroy_regex(ffi_gc(entry.re, nil))
    end
end

-- Offset `k` of an ovector: 2 * i is where group i starts, 2 * i + 1 where it ends.
local function offset(ovec, k)
    return ovec[OFFSET_STRIDE * k + OFFSET_LOW]
end

-- Runs `entry`'s regex on `subj` (of `len` bytes) from byte `pos` (0-based): PCRE's return
-- code, the offsets in entry.ovec.
local function run(entry, subj, len, pos)
    local md = entry.jit_md
    local rc
    if md and pos <= len then
        rc = jit_match(entry.code, subj, len, pos, md)
    else
        rc = exec(entry.re, entry.flags, subj, len, pos)
    end
    return rc
end

-- Where the next search starts after an empty match ending at `pos` (0-based): one
-- character on, a whole UTF-8 sequence in UTF mode.
local function next_start(subj, pos, len, utf)
    pos = pos + 1
    if utf then
        while pos < len do
            local b = byte(subj, pos + 1)
            if b < 0x80 or b >= 0xc0 then
                break
            end
            pos = pos + 1
        end
    end
    return pos
end

local function collect_name(res, group, name, dupnames)
    local cap = res[group]
    if not dupnames then
        res[name] = cap
    elseif cap then
        local list = res[name]
        if list then
            list[#list + 1] = cap
        else
            res[name] = { cap }
        end
    end
end

-- The match table: captures 0..ncap (false for a group that did not take part: PCRE2
-- unsets every such pair, those past its return code included) and the named ones.
-- The first few of each are unrolled by hand: a loop here would become a trace of its
-- own, and the table could not be built in the caller's trace (it costs more than the
-- match itself). Nor is a capture a function of its own: called several times a match,
-- it would get hot before the caller's loop and have a trace of its own, whose side
-- exits (an unset group, the whole subject) would start side traces that run on across
-- the caller's loop, not yet compiled, until LuaJIT gives up on them ("loop unroll
-- limit reached") and leaves those exits to the interpreter for good. No tail calls
-- either: LuaJIT counts every one in a trace against that same limit.
local function collect(entry, subj, res)
    local ovec = entry.ovec
    local ncap = entry.ncap
    if not res then
        res = new_tab(ncap, entry.nnames)
    end
    local from, to = offset(ovec, 0), offset(ovec, 1)
    -- The whole subject (an anchored match, often) needs no new string.
    if from == 0 and to == #subj then
        res[0] = subj
    else
        res[0] = sub(subj, from + 1, to)
    end
    if ncap >= 1 then
        from = offset(ovec, 2)
        res[1] = from >= 0 and sub(subj, from + 1, offset(ovec, 3))
        if ncap >= 2 then
            from = offset(ovec, 4)
            res[2] = from >= 0 and sub(subj, from + 1, offset(ovec, 5))
            if ncap >= 3 then
                from = offset(ovec, 6)
                res[3] = from >= 0 and sub(subj, from + 1, offset(ovec, 7))
                for i = 4, ncap do
                    from = offset(ovec, 2 * i)
                    res[i] = from >= 0 and sub(subj, from + 1, offset(ovec, 2 * i + 1))
                end
            end
        end
    end
    local names = entry.names
    if names then
        local dupnames = entry.dupnames
        collect_name(res, names[1], names[2], dupnames)
        local n = #names
        if n > 2 then
            collect_name(res, names[3], names[4], dupnames)
            for i = 5, n, 2 do
                collect_name(res, names[i], names[i + 1], dupnames)
            end
        end
    end
    return res
end

local function exec_error(rc)
    return "pcre_exec() failed: " .. rc
end

-- 0-based start offset from ctx.pos (1-based).
local function start_of(ctx)
    local pos = ctx.pos
    if not pos or pos <= 0 then
        return 0
    end
    return pos - 1
end

-- The compiled `regex` run on `subj` (made a string) from ctx.pos, which moves past the
-- match: the regex's entry (its ovector holding the match), nil and the subject; or nil
-- and an error message (none when nothing matched). Argument errors are raised at the
-- caller of ngx.re.`fname`.
local function search(subj, regex, opts, ctx, fname)
    if type(subj) ~= "string" then
        subj = tostring(subj)
    end
    check_regex(regex, fname, 4)
    local options = options_of(opts, 4)
    local entry, err = compiled_regex(regex, options)
    if not entry then
        return nil, err
    end
    local rc = run(entry, subj, #subj, ctx and start_of(ctx) or 0)
    if rc < 0 then
        release(entry)
        if rc == NOMATCH then
            return nil
        end
        return nil, exec_error(rc)
    end
    if ctx then
        ctx.pos = offset(entry.ovec, 1) + 1
    end
    return entry, nil, subj
end

function _M.match(subj, regex, opts, ctx, res)
    local entry, err
    entry, err, subj = search(subj, regex, opts, ctx, "match")
    if not entry then
        if err then
            return nil, err
        end
        return nil
    end
    res = collect(entry, subj, res)
    release(entry)
    return res
end

function _M.find(subj, regex, opts, ctx, nth)
    local entry, err = search(subj, regex, opts, ctx, "find")
    if not entry then
        if err then
            return nil, nil, err
        end
        return nil
    end
    if not nth or nth < 0 then
        nth = 0
    end
    local ncap = entry.ncap
    local from, to = -1, -1
    if nth <= ncap then
        local ovec = entry.ovec
        from, to = offset(ovec, 2 * nth), offset(ovec, 2 * nth + 1)
    end
    release(entry)
    if nth > ncap then
        return nil, nil, "nth out of bound"
    end
    if from < 0 then
        return nil, nil
    end
    return from + 1, to
end

-- The iterator ngx.re.gmatch returns: called, it gives the next match table.
local gmatch_mt = {}
gmatch_mt.__index = gmatch_mt

local function gmatch_done(it)
    if it.entry then
        release(it.entry)
        it.entry = false
    end
end

gmatch_mt.__call = function(it)
    local entry = it.entry
    if not entry then
        return nil
    end
    local subj, len = it.subj, it.len
    local rc = run(entry, subj, len, it.pos)
    if rc < 0 then
        gmatch_done(it)
        if rc == NOMATCH then
            return nil
        end
        return nil, exec_error(rc)
    end
    local ovec = entry.ovec
    local from, to = offset(ovec, 0), offset(ovec, 1)
    local res = collect(entry, subj, nil)
    if to == from then
        to = next_start(subj, to, len, entry.utf)
        if to > len then
            gmatch_done(it)
            return res
        end
    end
    it.pos = to
    return res
end

function _M.gmatch(subj, regex, opts)
    if type(subj) ~= "string" then
        subj = tostring(subj)
    end
    check_regex(regex, "gmatch")
    local entry, err = compiled_regex(regex, options_of(opts))
    if not entry then
        return nil, err
    end
    return setmetatable({ entry = entry, subj = subj, len = #subj, pos = 0 }, gmatch_mt)
end

-- The template `replace` compiled for `entry`'s regex, cached with it; nil when
-- malformed (the reason is in the error log).
local function template_of(entry, replace)
    local templates = entry.templates
    local cv = templates and templates[replace]
    if cv then
        return cv
    end
    cv = C.nlf_ffi_regex_template(entry.re, replace, #replace)
    if cv == nil then
        return nil
    end
    ffi_gc(cv, free_template)
    if entry.cached and cache_has_room() then
        if not templates then
            templates = {}
            entry.templates = templates
        end
        templates[replace] = cv
    end
    return cv
end

local function substitute_template(subj, entry, replace, global)
    if type(replace) ~= "string" then
        replace = tostring(replace)
    end
    local cv = template_of(entry, replace)
    if not cv then
        release(entry)
        return nil, nil, "failed to compile the replacement template"
    end
    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    local rc = C.nlf_ffi_regex_substitute(entry.re, cv, entry.flags, subj, #subj, global and 1 or 0,
                                          buf, size, out_ptr, out_len)
    local templates = entry.templates
    if not (templates and templates[replace] == cv) then
        free_template(ffi_gc(cv, nil))
    end
    release(entry)
    if rc < 0 then
        return nil, nil, exec_error(rc)
    end
    if rc == 0 then
        return subj, 0
    end
    local p = out_ptr[0]
    local s = ffi_str(p, out_len[0])
    if p ~= buf then
        C.nlf_ffi_free(p)
    end
    return s, rc
end

-- The result of a substitution with a function is built here. The callback may run
-- any ngx.re call, this one included: a call that finds the buffer taken (or left taken
-- by a callback that raised an error) builds in a buffer of its own.
local FUNC_BUF_SIZE = 4096
local func_buf = ffi_new("unsigned char[?]", FUNC_BUF_SIZE)
local func_buf_busy = false

-- `dst` (of `cap` bytes, `len` used) with room for `need` more bytes.
local function reserve(dst, cap, len, need)
    if len + need <= cap then
        return dst, cap
    end
    cap = cap * 2 > len + need and cap * 2 or len + need
    local bigger = ffi_new("unsigned char[?]", cap)
    if len > 0 then
        ffi_copy(bigger, dst, len)
    end
    return bigger, cap
end

-- Appends the subject from `copied` up to the match in `entry`'s captures, then what
-- `func` makes of the match; returns the buffer, its size and use, and the match's ends.
-- The ends are read first: `func` may run this very regex again.
local function put_match(entry, subj, subj_ptr, func, dst, cap, used, copied)
    local ovec = entry.ovec
    local from, to = offset(ovec, 0), offset(ovec, 1)
    local piece = tostring(func(collect(entry, subj, nil)))
    local prefix = from - copied
    dst, cap = reserve(dst, cap, used, prefix + #piece)
    ffi_copy(dst + used, subj_ptr + copied, prefix)
    ffi_copy(dst + used + prefix, piece, #piece)
    return dst, cap, used + prefix + #piece, from, to
end

-- Only gsub loops over the matches: for sub, a loop that runs once would become a trace
-- of its own (one LuaJIT may give up on) rather than part of the caller's.
local function substitute_function(subj, entry, func, global)
    local len = #subj
    local subj_ptr = ffi_cast(c_str_type, subj)
    local shared = not func_buf_busy
    local dst, cap = nil, 0
    if shared then
        func_buf_busy = true
        dst, cap = func_buf, FUNC_BUF_SIZE
    end
    local used, count, copied = 0, 0, 0
    local rc = run(entry, subj, len, 0)
    if rc >= 0 then
        local from, to
        dst, cap, used, from, to = put_match(entry, subj, subj_ptr, func, dst, cap, used, 0)
        count, copied = 1, to
        if global then
            local pos = to == from and next_start(subj, to, len, entry.utf) or to
            while pos <= len do
                rc = run(entry, subj, len, pos)
                if rc < 0 then
                    break
                end
                dst, cap, used, from, to = put_match(entry, subj, subj_ptr, func, dst, cap, used, copied)
                count, copied = count + 1, to
                pos = to == from and next_start(subj, to, len, entry.utf) or to
            end
        end
    end
    release(entry)
    local result = subj
    if rc < NOMATCH then
        result, count = nil, nil
    elseif count > 0 then
        dst, cap = reserve(dst, cap, used, len - copied)
        ffi_copy(dst + used, subj_ptr + copied, len - copied)
        result = ffi_str(dst, used + len - copied)
    end
    if shared then
        func_buf_busy = false
    end
    if not result then
        return nil, nil, exec_error(rc)
    end
    return result, count
end

local function substitute(subj, regex, replace, opts, global, fname)
    if type(subj) ~= "string" then
        subj = tostring(subj)
    end
    check_regex(regex, fname)
    local entry, err = compiled_regex(regex, options_of(opts))
    if not entry then
        return nil, nil, err
    end
    if type(replace) == "function" then
        return substitute_function(subj, entry, replace, global)
    end
    return substitute_template(subj, entry, replace, global)
end

-- Tail calls: argument errors raised in substitute's callees are at level 3, which
-- must be the caller's code.
function _M.sub(subj, regex, replace, opts)
    return substitute(subj, regex, replace, opts, false, "sub")
end

function _M.gsub(subj, regex, replace, opts)
    return substitute(subj, regex, replace, opts, true, "gsub")
end

ngx.re = ngx.re or new_tab(0, 5)
ngx.re.match = _M.match
ngx.re.find = _M.find
ngx.re.gmatch = _M.gmatch
ngx.re.sub = _M.sub
ngx.re.gsub = _M.gsub

-- For ngx.re.split and ngx.re.opt.
_M.options_of = options_of
_M.check_regex = check_regex
_M.compiled_regex = compiled_regex
_M.release = release
_M.run = run
_M.offset = offset
_M.next_start = next_start
_M.NOMATCH = NOMATCH
_M.exec_error = exec_error

function _M.is_regex_cache_empty()
    return cached_count == 0
end

_M.version = base.version

return _M
