-- ngx.exit, ngx.redirect and ngx.exec.
local ffi = require "ffi"
local base = require "resty.core.base"

local C = ffi.C
local ffi_str = ffi.string
local get_request = base.get_request
local check_status = base.check_status
local no_request_msg = base.no_request_msg
-- In OpenResty's words (see base.disabled_msg): these name the context.
local EXIT_API = base.C_API
local REDIRECT_API = base.C_OBJECT_API
local wait_for_scheduler = base.wait
local error = error
local type = type
local tostring = tostring
local tonumber = tonumber
local select = select

ffi.cdef[[
int ngx_http_lua_ffi_exit(ngx_http_request_t *r, int status, unsigned char *err,
                          size_t *errlen);
int nlf_ffi_redirect(ngx_http_request_t *r, const unsigned char *uri, size_t len, int status,
                     unsigned char *err, size_t *errlen);
int nlf_ffi_timer_exit(void);
int nlf_ffi_exec(ngx_http_request_t *r, const unsigned char *uri, size_t len,
                 const unsigned char *args, size_t args_len, unsigned char *err, size_t *errlen);
]]

local check_string = base.check_string

local ERR_BUF_SIZE = 128
-- ngx.redirect's message quotes the URI: room for a long one.
local REDIRECT_ERR_BUF_SIZE = 4096
local redirect_statuses = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }
local errlen = base.get_size_ptr()

-- What an FFI call that ends the handler returned: OK, and the handler ends here (the
-- scheduler never resumes this coroutine); an error, with its message in `err`; or a
-- status for check_status. Errors go to the code that called the ngx.* function.
local function end_handler(rc, r, err)
    if rc == 0 then
        return wait_for_scheduler()
    end
    if rc == -1 then
        error(ffi_str(err, errlen[0]), 3)
    end
    check_status(rc, r, 3, EXIT_API)
end

function ngx.exit(rc)
    local r = get_request()
    if not r then
        -- a timer's callback ends
        if C.nlf_ffi_timer_exit() == 0 then
            return wait_for_scheduler()
        end
        error(no_request_msg(EXIT_API), 2)
    end
    if type(rc) ~= "number" then
        local n = tonumber(rc)
        if not n then
            error("bad argument #1 to 'exit' (number expected, got " .. type(rc) .. ")", 2)
        end
        rc = n
    end
    local err = base.get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    end_handler(C.ngx_http_lua_ffi_exit(r, rc, err, errlen), r, err)
end

-- The handler ends here, as with ngx.exit(status): there is nothing to return to.
function ngx.redirect(...)
    local nargs = select("#", ...)
    if nargs ~= 1 and nargs ~= 2 then
        error("expecting one or two arguments", 2)
    end
    local uri, status = ...
    uri = check_string(uri, 1, "redirect")
    if nargs == 2 then
        local n = tonumber(status)
        if not n then
            error("bad argument #2 to 'redirect' (number expected, got " .. type(status) .. ")", 2)
        end
        status = n - n % 1
        if not redirect_statuses[status] then
            error("only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, "
                  .. "ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and "
                  .. "ngx.HTTP_TEMPORARY_REDIRECT are allowed", 2)
        end
    else
        status = 302
    end
    local r = get_request()
    if not r then
        error(no_request_msg(REDIRECT_API), 2)
    end
    local err = base.get_string_buf(REDIRECT_ERR_BUF_SIZE)
    errlen[0] = REDIRECT_ERR_BUF_SIZE
    end_handler(C.nlf_ffi_redirect(r, uri, #uri, status, err, errlen), r, err)
end

-- The handler ends here: the request goes on at `uri` (a named location when it starts
-- with "@"), with `args` (a query string, or a table encoded as ngx.encode_args does)
-- after the URI's own query string.
function ngx.exec(...)
    local nargs = select("#", ...)
    if nargs ~= 1 and nargs ~= 2 then
        error("expecting one or two arguments, but got " .. nargs, 2)
    end
    local r = get_request()
    if not r then
        error(no_request_msg(REDIRECT_API), 2)
    end
    local uri, args = ...
    uri = check_string(uri, 1, "exec")
    if uri == "" then
        error("The uri argument is empty", 2)
    end
    local args_type = type(args)
    if args_type == "table" then
        args = ngx.encode_args(args)
    elseif args_type == "number" then
        args = tostring(args)
    elseif args_type == "nil" then
        args = ""
    elseif args_type ~= "string" then
        error("bad argument #2 to 'exec' (string, number, or table expected, but got "
              .. args_type .. ")", 2)
    end
    local err = base.get_string_buf(ERR_BUF_SIZE)
    errlen[0] = ERR_BUF_SIZE
    end_handler(C.nlf_ffi_exec(r, uri, #uri, args, #args, err, errlen), r, err)
end

return {
    version = base.version,
}
