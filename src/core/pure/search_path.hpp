#pragma once
#include <string>
#include <string_view>

namespace nlf::core {

// Expands an OpenResty-style Lua search path: ";;" stands for the default path and
// "$prefix" / "${prefix}" for nginx's prefix (which ends with '/').
std::string expand_search_path(std::string_view spec, std::string_view default_path,
                               std::string_view prefix);

}  // namespace nlf::core
