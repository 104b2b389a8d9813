#include "core/pure/search_path.hpp"

namespace nlf::core {

namespace {

void replace_all(std::string &s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
}

}  // namespace

std::string expand_search_path(std::string_view spec, std::string_view default_path,
                               std::string_view prefix) {
    std::string out(spec);
    replace_all(out, "${prefix}", prefix);
    replace_all(out, "$prefix", prefix);
    // Only the first ";;" means "the default here", as in Lua's own LUA_PATH.
    if (auto pos = out.find(";;"); pos != std::string::npos) {
        std::string middle = ";";
        middle.append(default_path);
        middle.push_back(';');
        out.replace(pos, 2, middle);
    }
    while (!out.empty() && out.front() == ';') out.erase(0, 1);
    while (!out.empty() && out.back() == ';') out.pop_back();
    return out;
}

}  // namespace nlf::core
