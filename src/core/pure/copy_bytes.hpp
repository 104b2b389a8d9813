#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nlf::core {

// Copies the short pieces replacements are made of (`src` and `dst` do not overlap): up
// to 16 bytes with two moves of one size that overlap as much as needed, which beats
// both a byte loop and a call to memcpy. The smallest sizes are tested first.
inline void copy_bytes(unsigned char *dst, const unsigned char *src, std::size_t n) noexcept {
    if (n < 4) {
        if (n == 0) return;
        // The first, the middle and the last byte, some of them the same.
        const unsigned char first = src[0];
        const unsigned char middle = src[n / 2];
        const unsigned char last = src[n - 1];
        dst[0] = first;
        dst[n / 2] = middle;
        dst[n - 1] = last;
    } else if (n < 8) {
        std::uint32_t head;
        std::uint32_t tail;
        std::memcpy(&head, src, 4);
        std::memcpy(&tail, src + n - 4, 4);
        std::memcpy(dst, &head, 4);
        std::memcpy(dst + n - 4, &tail, 4);
    } else if (n <= 16) {
        std::uint64_t head;
        std::uint64_t tail;
        std::memcpy(&head, src, 8);
        std::memcpy(&tail, src + n - 8, 8);
        std::memcpy(dst, &head, 8);
        std::memcpy(dst + n - 8, &tail, 8);
    } else {
        std::memcpy(dst, src, n);
    }
}

}  // namespace nlf::core
