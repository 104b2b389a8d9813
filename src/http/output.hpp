#pragma once
#include "ngx_http.hpp"

#include "http/request_ctx.hpp"

#include <string_view>

// Sending the response from Lua: shared by ngx.say/print/flush/eof and by the phase
// handlers that finish a response.
namespace nlf::http {

// A chain link with a buffer of at least `size` bytes, recycled from `free` (kept by
// ngx_chain_update_chains with `tag`) when one is there.
ngx_chain_t *get_buffer(ngx_pool_t *pool, ngx_chain_t **free, size_t size, ngx_buf_tag_t tag) noexcept;

// Gives the response the location's default Content-Type (default_type, by extension)
// unless it has one, Lua set or cleared it, lua_use_default_type is off or the status is
// 304. False when memory runs out.
bool apply_default_content_type(const RequestCtx &ctx) noexcept;

// Sends the response header unless it was sent already (status 200 and the default
// Content-Type unless set).
ngx_int_t send_header_if_needed(RequestCtx &ctx) noexcept;

// Appends `data` (and a newline when asked) to the response body.
ngx_int_t send_body(RequestCtx &ctx, std::string_view data, bool newline) noexcept;

// Sends the header if needed, then the last buffer.
ngx_int_t send_eof(RequestCtx &ctx) noexcept;

// Passes the body output send_body held down the filter chain, its final buffer marked
// with `flags` (ngx_http_send_special's NGX_HTTP_FLUSH / NGX_HTTP_LAST, or 0); with
// nothing held and flags set, a special buffer goes instead.
ngx_int_t send_held(RequestCtx &ctx, ngx_uint_t flags) noexcept;

// True when sending output now would run Lua: a header filter before the header is
// out, or a body filter.
bool output_runs_lua(const RequestCtx &ctx) noexcept;

}  // namespace nlf::http
