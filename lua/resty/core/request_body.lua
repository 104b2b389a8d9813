-- ngx.req.read_body, discard_body, get_body_data, get_body_file, get_post_args,
-- set_body_data, set_body_file, init_body, append_body, finish_body.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
local wording = base.wording
local check_max = base.check_max
local check_string = base.check_string
local get_string_buf = base.get_string_buf
local wait_for_scheduler = base.wait
local decode_args = ngx.decode_args
local error = error
local select = select
local type = type
local floor = math.floor
local ngx_req = ngx.req

ffi.cdef[[
int nlf_ffi_req_read_body(ngx_http_request_t *r);
int nlf_ffi_req_discard_body(ngx_http_request_t *r);
int nlf_ffi_req_body_state(ngx_http_request_t *r);
long nlf_ffi_req_body_data(ngx_http_request_t *r, const unsigned char **data,
                           unsigned char *copy, size_t copy_size);
int nlf_ffi_req_body_file(ngx_http_request_t *r, const unsigned char **name, size_t *len);
int nlf_ffi_req_set_body_data(ngx_http_request_t *r, const char *data, size_t len,
                              const char **err);
int nlf_ffi_req_set_body_file(ngx_http_request_t *r, const char *name, size_t len, int auto_clean,
                              char *errbuf, size_t errbuf_size, const char **err);
int nlf_ffi_req_init_body(ngx_http_request_t *r, long size, const char **err);
int nlf_ffi_req_append_body(ngx_http_request_t *r, const char *data, size_t len, const char **err);
int nlf_ffi_req_finish_body(ngx_http_request_t *r, const char **err);
]]

local OK = 0
local AGAIN = -2
local DONE = -4
local BUSY = -3
-- nlf_ffi_req_body_state
local DISCARDED = 1
local NOT_READ = 2
local IN_FILE = 3

local ERR_BUF_SIZE = 4096
local data_ptr = ffi_new("const unsigned char *[1]")
local err_ptr = ffi_new("const char *[1]")
local len_ptr = ffi_new("size_t[1]")

-- OpenResty's words for these functions (see base.disabled_msg): read_body names
-- the context, the others refuse OpenResty's fake request of timers.
local BODY_API = wording("request object not found", false)
local READ_BODY_API = wording("request object not found", true)
local POST_ARGS_API = base.C_FAKE_REQUEST_API

-- OpenResty's checks for the argument-less functions, in its words.
local function request_of(nargs, api)
    if nargs ~= 0 then
        error("expecting 0 arguments but seen " .. nargs, 3)
    end
    local r = get_request()
    if not r then
        error(no_request_msg(api), 3)
    end
    return r
end

function ngx_req.read_body(...)
    local r = request_of(select("#", ...), READ_BODY_API)
    local rc = C.nlf_ffi_req_read_body(r)
    if rc == OK then
        return
    end
    if rc == AGAIN then
        -- resumed once the body is in
        wait_for_scheduler()
        return
    end
    if rc == DONE then
        -- nginx refused the body (413, ...): the handler ends with its status
        return wait_for_scheduler()
    end
    if rc == BUSY then
        error("another thread is reading the request body", 2)
    end
    check_status(rc, r, 2, READ_BODY_API)
    error("failed to read request body", 2)
end

function ngx_req.discard_body(...)
    local r = request_of(select("#", ...), BODY_API)
    local rc = C.nlf_ffi_req_discard_body(r)
    if rc ~= OK then
        check_status(rc, r, 2)
        error("failed to discard request body", 2)
    end
end

-- The body kept in memory as a string, at most `max` bytes of it; nil when there is
-- none there.
local function body_data(r, max)
    local len = C.nlf_ffi_req_body_data(r, data_ptr, nil, 0)
    if len < 0 then
        if len ~= -1 then
            check_status(len, r, 3)
        end
        return nil
    end
    if data_ptr[0] == nil then
        len = C.nlf_ffi_req_body_data(r, data_ptr, get_string_buf(len), len)
    end
    if max and max < len then
        len = max
    end
    return ffi_str(data_ptr[0], len)
end

function ngx_req.get_body_data(max_bytes)
    local r = get_request()
    if not r then
        error(no_request_msg(BODY_API), 2)
    end
    if max_bytes ~= nil then
        if type(max_bytes) ~= "number" then
            error("bad argument #1 to 'get_body_data' (number expected, got " .. type(max_bytes)
                  .. ")", 2)
        end
        if max_bytes <= 0 then
            return nil
        end
    end
    local data = body_data(r, max_bytes)  -- not a tail call: body_data's errors count this frame
    return data
end

function ngx_req.get_body_file(...)
    local r = request_of(select("#", ...), BODY_API)
    local rc = C.nlf_ffi_req_body_file(r, data_ptr, len_ptr)
    if rc == OK then
        return ffi_str(data_ptr[0], len_ptr[0])
    end
    if rc ~= -5 then
        check_status(rc, r, 2)
    end
    return nil
end

function ngx_req.get_post_args(max_args)
    local r = get_request()
    if not r then
        error(no_request_msg(POST_ARGS_API), 2)
    end
    local max = check_max(max_args, "get_post_args")
    local state = C.nlf_ffi_req_body_state(r)
    if state < 0 then
        check_status(state, r, 2)
    end
    if state == DISCARDED then
        return {}
    end
    if state == NOT_READ then
        error("no request body found; maybe you should turn on lua_need_request_body?", 2)
    end
    if state == IN_FILE then
        return nil, "request body in temp file not supported"
    end
    local body = body_data(r)
    if not body then
        return {}
    end
    return decode_args(body, max)
end

-- The setters' status: nothing on success, else the error OpenResty raises.
local function check_set(rc, r)
    if rc == OK then
        return
    end
    if rc == -1 then
        error(ffi_str(err_ptr[0]), 3)
    end
    check_status(rc, r, 3)
end

-- The one string argument of set_body_data and append_body, checked as OpenResty does.
local function data_argument(fname, ...)
    local nargs = select("#", ...)
    if nargs ~= 1 then
        error("expecting 1 arguments but seen " .. nargs, 3)
    end
    local data = check_string((...), 1, fname, 4)  -- not a tail call: `level` counts this frame
    return data
end

function ngx_req.set_body_data(...)
    local data = data_argument("set_body_data", ...)
    local r = get_request()
    if not r then
        error(no_request_msg(BODY_API), 2)
    end
    check_set(C.nlf_ffi_req_set_body_data(r, data, #data, err_ptr), r)
end

function ngx_req.set_body_file(...)
    local nargs = select("#", ...)
    if nargs ~= 1 and nargs ~= 2 then
        error("expecting 1 or 2 arguments but seen " .. nargs, 2)
    end
    local name, auto_clean = ...
    name = check_string(name, 1, "set_body_file")
    if nargs == 2 and type(auto_clean) ~= "boolean" then
        error("bad argument #2 to 'set_body_file' (boolean expected, got " .. type(auto_clean)
              .. ")", 2)
    end
    local r = get_request()
    if not r then
        error(no_request_msg(), 2)
    end
    check_set(C.nlf_ffi_req_set_body_file(r, name, #name, auto_clean and 1 or 0,
                                          get_string_buf(ERR_BUF_SIZE), ERR_BUF_SIZE, err_ptr), r)
end

-- The request for the body builders.
local function builder_request()
    local r = get_request()
    if not r then
        error(no_request_msg(), 3)
    end
    return r
end

function ngx_req.init_body(...)
    local nargs = select("#", ...)
    if nargs ~= 0 and nargs ~= 1 then
        error("expecting 0 or 1 argument but seen " .. nargs, 2)
    end
    local r = builder_request()
    local size = -1
    if nargs == 1 then
        size = ...
        if type(size) ~= "number" then
            error("bad argument #1 to 'init_body' (number expected, got " .. type(size) .. ")", 2)
        end
        size = floor(size)
        if size < 0 then
            error("bad size argument: " .. size, 2)
        end
    end
    check_set(C.nlf_ffi_req_init_body(r, size, err_ptr), r)
end

function ngx_req.append_body(...)
    local data = data_argument("append_body", ...)
    local r = builder_request()
    check_set(C.nlf_ffi_req_append_body(r, data, #data, err_ptr), r)
end

function ngx_req.finish_body(...)
    local nargs = select("#", ...)
    if nargs ~= 0 then
        error("expecting 0 argument but seen " .. nargs, 2)
    end
    local r = builder_request()
    check_set(C.nlf_ffi_req_finish_body(r, err_ptr), r)
end

return {
    version = base.version,
}
