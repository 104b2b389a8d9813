// The key-shape tables of the Lua layer (core/pure/key_shapes.hpp). They are allocated
// here rather than as FFI buffers: at about 30 KiB each they would make up a fifth of
// the Lua heap that survives a collection, and the garbage collector lets that much
// more garbage pile up between cycles.
#include "ngx.hpp"

#include "core/pure/key_shapes.hpp"

#include <cstdlib>

// A zero-filled table, or NULL when out of memory; freed by nlf_ffi_key_shapes_free.
NLF_API void *nlf_ffi_key_shapes_new() noexcept {
    return std::calloc(1, nlf::core::key_shapes::table_size());
}

NLF_API void nlf_ffi_key_shapes_free(void *table) noexcept {
    std::free(table);
}
