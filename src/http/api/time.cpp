// ngx.req.start_time: the part of the time area that needs the request.
#include "http/api/api.hpp"

NLF_API double ngx_http_lua_ffi_req_start_time(ngx_http_request_t *r) noexcept {
    return static_cast<double>(r->start_sec) + static_cast<double>(r->start_msec) / 1000.0;
}
