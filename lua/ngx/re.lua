-- The ngx.re module: split and opt, over resty.core.regex.
local ffi = require "ffi"
local base = require "resty.core.base"
local regex = require "resty.core.regex"

local C = ffi.C
local ffi_str = ffi.string
local sub = string.sub
local error = error
local tostring = tostring
local type = type
local new_tab = base.new_tab
local options_of = regex.options_of
local check_regex = regex.check_regex
local compiled_regex = regex.compiled_regex
local release = regex.release
local run = regex.run
local offset = regex.offset
local next_start = regex.next_start
local exec_error = regex.exec_error
local NOMATCH = regex.NOMATCH

ffi.cdef[[
int ngx_http_lua_ffi_set_jit_stack_size(int size, unsigned char *errstr, size_t *errstr_size);
]]

local ERRBUF_SIZE = 128
local DEFAULT_SPLIT_SIZE = 4

local split_ctx = {}
local errlen = base.get_size_ptr()

local _M = { version = base.version }

-- Pieces are the subject between matches, each followed by the match's first capture
-- when there is one. An empty match never ends a piece where the previous one ended,
-- and with no `max` the empty pieces at the end are dropped.
function _M.split(subj, pattern, opts, ctx, max, res)
    if type(subj) ~= "string" then
        subj = tostring(subj)
    end
    check_regex(pattern, "split")
    if not ctx then
        ctx = split_ctx
        ctx.pos = 1
    elseif not ctx.pos then
        ctx.pos = 1
    end
    max = max or 0
    if not res then
        res = new_tab(max > 0 and max < DEFAULT_SPLIT_SIZE and max or DEFAULT_SPLIT_SIZE, 0)
    elseif type(res) ~= "table" then
        error("res is not a table", 2)
    end

    local len = #subj
    if ctx.pos > len then
        res[1] = nil
        return res
    end
    local entry, err = compiled_regex(pattern, options_of(opts))
    if not entry then
        return nil, err
    end
    local ovec = entry.ovec

    local piece_start = ctx.pos  -- 1-based start of the piece being cut
    local search = piece_start - 1
    local n = 0
    local pieces = 1
    local last_empty_match
    while max <= 0 or pieces < max do
        local rc = run(entry, subj, len, search > 0 and search or 0)
        if rc < 0 then
            if rc == NOMATCH then
                break
            end
            release(entry)
            return nil, exec_error(rc)
        end
        local from, to = offset(ovec, 0), offset(ovec, 1)
        if from < 0 then
            break
        end
        search = from == to and next_start(subj, to, len, entry.utf) or to
        local capture
        if rc > 1 and offset(ovec, 2) >= 0 then
            capture = sub(subj, offset(ovec, 2) + 1, offset(ovec, 3))
        end
        from, to = from + 1, to + 1  -- Lua indexes: match start, first byte after it
        if last_empty_match then
            piece_start = last_empty_match
        end
        if from == to then
            last_empty_match = from
        end
        if from > piece_start or not last_empty_match then
            pieces = pieces + 1
            n = n + 1
            res[n] = sub(subj, piece_start, from - 1)
            if capture then
                n = n + 1
                res[n] = capture
            end
            piece_start = to
            if piece_start > len then
                break
            end
        end
    end
    release(entry)

    if max <= 0 and piece_start > len then
        for i = n, 1, -1 do
            if res[i] ~= "" then
                n = i
                break
            end
            res[i] = nil
        end
    else
        n = n + 1
        res[n] = sub(subj, piece_start)
    end
    res[n + 1] = nil
    return res
end

function _M.opt(option, value)
    if option ~= "jit_stack_size" then
        error("unrecognized option name", 2)
    end
    if not regex.is_regex_cache_empty() then
        error("changing jit stack size is not allowed when some regexs have already been "
              .. "compiled and cached", 2)
    end
    local errbuf = base.get_string_buf(ERRBUF_SIZE)
    errlen[0] = ERRBUF_SIZE
    if C.ngx_http_lua_ffi_set_jit_stack_size(value, errbuf, errlen) ~= 0 then
        error(ffi_str(errbuf, errlen[0]), 2)
    end
end

return _M
