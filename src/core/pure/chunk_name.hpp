#pragma once
#include <string>
#include <string_view>

namespace nlf::core {

// The chunk name OpenResty gives inline Lua, e.g. "=content_by_lua(nginx.conf:12)":
// the "=" keeps Lua from decorating it, the file is the basename of the conf file.
std::string inline_chunk_name(std::string_view tag, std::string_view conf_file, unsigned line);

// Turns a directive name into its chunk tag: "content_by_lua_block" -> "content_by_lua".
std::string_view chunk_tag(std::string_view directive);

}  // namespace nlf::core
