#pragma once
#include <cstddef>

namespace nlf::core {

// One module of the Lua layer, compiled to bytecode at build time.
struct EmbeddedModule {
    const char *name;  // "resty.core.base"
    const char *bytecode;
    std::size_t size;
};

extern const EmbeddedModule embedded_lua_modules[];
extern const std::size_t embedded_lua_module_count;

}  // namespace nlf::core
