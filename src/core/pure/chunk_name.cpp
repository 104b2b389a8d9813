#include "core/pure/chunk_name.hpp"

namespace nlf::core {

std::string inline_chunk_name(std::string_view tag, std::string_view conf_file, unsigned line) {
    if (auto slash = conf_file.rfind('/'); slash != std::string_view::npos) {
        conf_file.remove_prefix(slash + 1);
    }
    std::string name = "=";
    name.append(tag);
    name.push_back('(');
    name.append(conf_file);
    name.push_back(':');
    name.append(std::to_string(line));
    name.push_back(')');
    return name;
}

std::string_view chunk_tag(std::string_view directive) {
    for (std::string_view suffix : {"_block", "_file"}) {
        if (directive.ends_with(suffix)) {
            directive.remove_suffix(suffix.size());
            break;
        }
    }
    return directive;
}

}  // namespace nlf::core
