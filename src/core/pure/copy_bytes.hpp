#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nlf::core {

// Copies n bytes, sizeof(Word) <= n <= 2 * sizeof(Word), as two words that overlap
// as much as needed.
template <typename Word>
inline void copy_two_words(unsigned char *dst, const unsigned char *src, std::size_t n) noexcept {
    Word head;
    Word tail;
    std::memcpy(&head, src, sizeof head);
    std::memcpy(&tail, src + n - sizeof tail, sizeof tail);
    std::memcpy(dst, &head, sizeof head);
    std::memcpy(dst + n - sizeof tail, &tail, sizeof tail);
}

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
        copy_two_words<std::uint32_t>(dst, src, n);
    } else if (n <= 16) {
        copy_two_words<std::uint64_t>(dst, src, n);
    } else {
        std::memcpy(dst, src, n);
    }
}

// Bytes an output keeps free past its end for copy_padded().
inline constexpr std::size_t copy_slack = 16;

// Copies `n` bytes from a source that can be read copy_slack bytes past them into an
// output with copy_slack bytes of room past them; returns the end of the copy. Up to
// copy_slack bytes move as one block: what it writes past them is garbage the next
// piece overwrites, or that lies past the result.
inline unsigned char *copy_padded(unsigned char *dst, const unsigned char *src, std::size_t n) noexcept {
    if (n <= copy_slack) {
        std::memcpy(dst, src, copy_slack);
    } else {
        std::memcpy(dst, src, n);
    }
    return dst + n;
}

}  // namespace nlf::core
