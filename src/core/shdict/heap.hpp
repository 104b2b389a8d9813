// The allocator of a shared dictionary: a two-level segregated-fit heap (TLSF) over a
// range of the zone, with boundary tags so that neighbouring free blocks merge at
// once. When free space exists but is scattered, single used blocks move out of the
// way of a free one into other free blocks (bounded work, for every write), and a full
// compaction pass remains for stores that may not evict.
//
// Everything lives in shared memory that processes may map at different addresses
// (and that survives reloads), so blocks refer to each other by offset: `Off` counts
// 8-byte units from the start of the zone's block; 0 means "none".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace nlf::shdict {

using Off = std::uint32_t;
inline constexpr std::size_t kUnit = 8;

// A 32-bit word that may sit anywhere in the zone, whatever object is there.
typedef std::uint32_t __attribute__((may_alias)) ZoneWord;

// The first word of every block: its size in units and three flags.
namespace block {
inline constexpr std::uint32_t kFree = 1;
inline constexpr std::uint32_t kPrevFree = 2;  // the block just before is free
inline constexpr std::uint32_t kNode = 4;      // a list node (else a dictionary item)
inline constexpr unsigned kSizeShift = 3;
inline constexpr std::uint32_t kMaxUnits = UINT32_MAX >> kSizeShift;
// A free block holds its header, two free-list links and a footer.
inline constexpr std::uint32_t kMinUnits = 2;
}  // namespace block

inline constexpr unsigned kSecondLevelLog2 = 4;
inline constexpr unsigned kSecondLevels = 1u << kSecondLevelLog2;
inline constexpr unsigned kFirstLevels = 32;

// One list of free blocks per size range, and bitmaps of the non-empty ones.
struct FreeLists {
    std::uint32_t first_bitmap;
    std::uint32_t second_bitmap[kFirstLevels];
    Off heads[kFirstLevels][kSecondLevels];
};

// The heap's bookkeeping, stored in the zone header.
struct HeapState {
    Off begin;
    Off end;
    std::uint64_t free_units;
    std::uint64_t moved_units;  // ever moved to join free space: what writes paid for it
    FreeLists lists;
};

// Operations on a HeapState whose blocks live at `base` (the zone's block start).
class Heap {
public:
    Heap(char *base, HeapState &state) noexcept : base_(base), s_(state) {}

    // Makes [begin, end) one stretch of free space.
    void format(Off begin, Off end) noexcept;

    // A used block of at least `units` units (its flags cleared), or 0 when no single
    // free block is large enough.
    Off allocate(std::uint32_t units) noexcept;
    // Returns the free block that `b` became part of.
    Off release(Off b) noexcept;

    std::uint64_t free_units() const noexcept { return s_.free_units; }
    std::uint64_t moved_units() const noexcept { return s_.moved_units; }
    std::uint64_t total_units() const noexcept { return s_.end - s_.begin; }
    // The largest block the heap could ever hand out.
    std::uint32_t max_block_units() const noexcept {
        const std::uint64_t total = total_units();
        return total < block::kMaxUnits ? static_cast<std::uint32_t>(total) : block::kMaxUnits;
    }

    std::uint32_t units_of(Off b) const noexcept { return word(b) >> block::kSizeShift; }
    bool is_node(Off b) const noexcept { return word(b) & block::kNode; }
    bool ends_heap(Off b) const noexcept { return b + units_of(b) >= s_.end; }
    void mark_node(Off b) noexcept { word(b) |= block::kNode; }

    // Free blocks from the largest size class down: the first, and the one after the
    // free block `b` (0 after the last).
    Off large_free_block() const noexcept;
    Off smaller_free_block(Off b) const noexcept;

    // Grows the free block `hole` by moving the used block right after it into another
    // free block, when that block is at most `budget` units (which it then spends).
    // Returns the grown free block, or 0 when there is no such neighbour or no other
    // free block fits it. `moved(from, to)` runs right after the move, as for compact().
    template <typename Moved>
    Off move_neighbour_away(Off hole, std::uint64_t &budget, Moved &&moved) noexcept;

    // Slides used blocks towards the start of the heap until the free space they leave
    // behind forms one stretch of at least `units` (or the end of the heap is reached),
    // so that the cost is what must move, not the heap's size. `moved(from, to)` runs
    // right after each block moves, while every other block is where its neighbours'
    // offsets say: it must repoint them.
    template <typename Moved>
    void compact(std::uint32_t units, Moved &&moved) noexcept;

    // Checks the boundary tags and free lists; for tests.
    bool verify(std::string &why) const;

private:
    ZoneWord &word(Off b) const noexcept {
        return *reinterpret_cast<ZoneWord *>(base_ + std::size_t{b} * kUnit);
    }
    ZoneWord &word_at(Off b, std::size_t byte) const noexcept {
        return *reinterpret_cast<ZoneWord *>(base_ + std::size_t{b} * kUnit + byte);
    }
    // Free blocks: links after the header, size again in the last word.
    ZoneWord &next_free(Off b) const noexcept { return word_at(b, 4); }
    ZoneWord &prev_free(Off b) const noexcept { return word_at(b, 8); }
    ZoneWord &footer(Off b, std::uint32_t units) const noexcept { return word_at(b, units * kUnit - 4); }

    void set_prev_free_flag(Off b, bool prev_is_free) noexcept;
    void make_free(Off b, std::uint32_t units, bool prev_is_free) noexcept;
    void insert_free(Off b, std::uint32_t units) noexcept;
    void remove_free(Off b, std::uint32_t units) noexcept;
    Off find_free(std::uint32_t units) const noexcept;
    void add_free_range(Off begin, Off end) noexcept;

    char *base_;
    HeapState &s_;
};

template <typename Moved>
Off Heap::move_neighbour_away(Off hole, std::uint64_t &budget, Moved &&moved) noexcept {
    const std::uint32_t hole_units = units_of(hole);
    const Off from = hole + hole_units;
    if (from >= s_.end) return 0;
    const std::uint32_t size = units_of(from);
    // Without free space beside the hole as large as the block, no search can succeed.
    if (size > budget || s_.free_units - hole_units < size) return 0;
    // The hole itself must not be the destination.
    remove_free(hole, hole_units);
    const Off to = allocate(size);
    insert_free(hole, hole_units);
    if (to == 0) return 0;
    const std::uint32_t to_word = word(to);
    std::memcpy(base_ + std::size_t{to} * kUnit, base_ + std::size_t{from} * kUnit, std::size_t{size} * kUnit);
    word(to) = to_word | (word(from) & block::kNode);
    moved(from, to);
    budget -= size;
    s_.moved_units += size;
    return release(from);
}

template <typename Moved>
void Heap::compact(std::uint32_t units, Moved &&moved) noexcept {
    Off to = s_.begin;
    Off b = s_.begin;
    // Stop only before a used block: a free one right after the gap joins it.
    while (b < s_.end && (b - to < units || (word(b) & block::kFree))) {
        const std::uint32_t size = units_of(b);
        if (word(b) & block::kFree) {
            remove_free(b, size);
            s_.free_units -= size;
        } else {
            if (b != to) {
                std::memmove(base_ + std::size_t{to} * kUnit, base_ + std::size_t{b} * kUnit,
                             std::size_t{size} * kUnit);
                word(to) &= ~block::kPrevFree;
                s_.moved_units += size;
                moved(b, to);
            }
            to += size;
        }
        b += size;
    }
    add_free_range(to, b);
    if (to != b) set_prev_free_flag(b, true);
}

}  // namespace nlf::shdict
