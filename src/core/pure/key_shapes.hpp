#pragma once
#include <cstddef>
#include <cstdint>

#include "core/pure/ffi_types.hpp"

// The key sequences ("shapes") of tables the Lua side recently made from lists of
// pairs: request headers, query arguments. When a list has the keys of a remembered
// shape, in the same order, the Lua side keeps a template table for that shape: it
// stores into the template the values that differ from the last list of that shape
// and returns a clone. Cloning copies the keys' hash slots in one go, where building
// the table anew costs a string, a hash and a slot search per key and a string per
// value; consecutive requests mostly repeat their header names and many values.
//
// A table is `table_size` zero-filled bytes that start with a Found; the Lua side
// owns it (src/api/key_shapes.cpp), so it lives exactly as long as the templates made
// from it. No nginx headers: unit-tested.
namespace nlf::core::key_shapes {

inline constexpr int slots = 16;
inline constexpr int max_keys = 32;
inline constexpr std::size_t max_key_bytes = 512;
inline constexpr std::size_t max_value_bytes = 1024;
// Added to the slot number when the shape was stored by this call: the Lua side
// makes the slot's template from the table it builds.
inline constexpr int stored = 0x100;
// The keys do not fit a slot: build the table key by key.
inline constexpr int uncached = -1;

// What `find` tells the Lua side (nlf_key_shape_found_t).
struct Found {
    int shape;  // the slot, the slot + stored, or uncached
    // With a slot found: the pairs whose values differ from those of the last list
    // of this shape.
    int changed_count;
    int changed[max_keys];
};

std::size_t table_size() noexcept;

// Looks up the shape of pairs[0 .. n)'s keys under `flavor` (tables made
// differently from the same keys, raw and lower-cased header names say, must not
// share a template), remembers these values for it, and says so in the table's Found.
const Found &find(void *table, const FfiPair *pairs, int n, unsigned flavor) noexcept;

}  // namespace nlf::core::key_shapes
