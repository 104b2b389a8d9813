#pragma once
#include "ngx.hpp"

#include "http/request_ctx.hpp"

#include <string_view>

// Sending the response from Lua: shared by ngx.say/print/flush/eof and by the phase
// handlers that finish a response.
namespace nlf::http {

// Sends the response header unless it was sent already (status 200 and the
// location's default type unless set).
ngx_int_t send_header_if_needed(RequestCtx &ctx) noexcept;

// Appends `data` (and a newline when asked) to the response body.
ngx_int_t send_body(RequestCtx &ctx, std::string_view data, bool newline) noexcept;

// Sends the header if needed, then the last buffer.
ngx_int_t send_eof(RequestCtx &ctx) noexcept;

}  // namespace nlf::http
