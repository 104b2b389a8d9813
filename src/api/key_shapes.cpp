// The size of the key-shape tables the Lua layer allocates (core/pure/key_shapes.hpp).
#include "ngx.hpp"

#include "core/pure/key_shapes.hpp"

NLF_API size_t nlf_ffi_key_shapes_size() noexcept {
    return nlf::core::key_shapes::table_size();
}
