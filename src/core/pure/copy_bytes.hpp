#pragma once
#include <cstddef>
#include <cstring>

namespace nlf::core {

// Copies the short pieces replacements are made of: for a few bytes a loop beats a call
// to memcpy.
inline void copy_bytes(unsigned char *dst, const unsigned char *src, std::size_t n) noexcept {
    if (n > 16) {
        std::memcpy(dst, src, n);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
}

}  // namespace nlf::core
