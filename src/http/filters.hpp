#pragma once
#include "ngx_http.hpp"

#include "http/request_ctx.hpp"

#include <string_view>

// body_filter_by_lua's chunk, for ngx.arg (api/param.cpp); filters.cpp owns it.
namespace nlf::http {

// The chain being filtered, or nullptr outside body_filter_by_lua.
const ngx_chain_t *filter_input(const RequestCtx &ctx) noexcept;

// ngx.arg[1] = data: the chunk's replacement. False when out of memory.
bool set_filter_body(RequestCtx &ctx, std::string_view data) noexcept;

}  // namespace nlf::http
