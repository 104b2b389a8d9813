#include "core/shdict/heap.hpp"

#include <algorithm>

namespace nlf::shdict {

namespace {

struct Level {
    unsigned first;
    unsigned second;
};

unsigned top_bit(std::uint32_t v) noexcept {
    return 31u - static_cast<unsigned>(__builtin_clz(v));
}

// The free list a block of `units` belongs to: sizes below kSecondLevels have a list
// each; above, every power of two is split into kSecondLevels equal ranges.
Level level_of(std::uint32_t units) noexcept {
    if (units < kSecondLevels) return {0, units};
    const unsigned top = top_bit(units);
    return {top - kSecondLevelLog2 + 1, (units >> (top - kSecondLevelLog2)) - kSecondLevels};
}

// The first list whose blocks are all at least `units` large.
Level level_at_least(std::uint32_t units) noexcept {
    if (units >= kSecondLevels) units += (1u << (top_bit(units) - kSecondLevelLog2)) - 1;
    return level_of(units);
}

}  // namespace

void Heap::format(Off begin, Off end) noexcept {
    std::memset(&s_, 0, sizeof s_);
    s_.begin = begin;
    s_.end = end;
    add_free_range(begin, end);
}

void Heap::set_prev_free_flag(Off b, bool prev_is_free) noexcept {
    if (b >= s_.end) return;
    if (prev_is_free) {
        word(b) |= block::kPrevFree;
    } else {
        word(b) &= ~block::kPrevFree;
    }
}

void Heap::make_free(Off b, std::uint32_t units, bool prev_is_free) noexcept {
    word(b) = (units << block::kSizeShift) | block::kFree | (prev_is_free ? block::kPrevFree : 0);
    footer(b, units) = units;
    insert_free(b, units);
}

void Heap::insert_free(Off b, std::uint32_t units) noexcept {
    const Level l = level_of(units);
    const Off head = s_.lists.heads[l.first][l.second];
    next_free(b) = head;
    prev_free(b) = 0;
    if (head != 0) prev_free(head) = b;
    s_.lists.heads[l.first][l.second] = b;
    s_.lists.first_bitmap |= 1u << l.first;
    s_.lists.second_bitmap[l.first] |= 1u << l.second;
}

void Heap::remove_free(Off b, std::uint32_t units) noexcept {
    const Off next = next_free(b);
    const Off prev = prev_free(b);
    if (next != 0) prev_free(next) = prev;
    if (prev != 0) {
        next_free(prev) = next;
        return;
    }
    const Level l = level_of(units);
    s_.lists.heads[l.first][l.second] = next;
    if (next == 0) {
        s_.lists.second_bitmap[l.first] &= ~(1u << l.second);
        if (s_.lists.second_bitmap[l.first] == 0) s_.lists.first_bitmap &= ~(1u << l.first);
    }
}

Off Heap::find_free(std::uint32_t units) const noexcept {
    const Level want = level_at_least(units);
    if (want.first < kFirstLevels) {
        std::uint32_t seconds = s_.lists.second_bitmap[want.first] & (~0u << want.second);
        unsigned first = want.first;
        if (seconds == 0) {
            const std::uint32_t firsts =
                first + 1 < kFirstLevels ? s_.lists.first_bitmap & (~0u << (first + 1)) : 0;
            if (firsts != 0) {
                first = static_cast<unsigned>(__builtin_ctz(firsts));
                seconds = s_.lists.second_bitmap[first];
            }
        }
        if (seconds != 0) return s_.lists.heads[first][__builtin_ctz(seconds)];
    }
    // Good fit found nothing: a block of the request's own list may still be large
    // enough (that list mixes sizes just below and above the request).
    const Level own = level_of(units);
    for (Off b = s_.lists.heads[own.first][own.second]; b != 0; b = next_free(b)) {
        if (units_of(b) >= units) return b;
    }
    return 0;
}

Off Heap::allocate(std::uint32_t units) noexcept {
    units = std::max(units, block::kMinUnits);
    const Off b = find_free(units);
    if (b == 0) return 0;
    const std::uint32_t have = units_of(b);
    const bool prev_is_free = word(b) & block::kPrevFree;
    remove_free(b, have);
    if (have - units >= block::kMinUnits) {
        make_free(b + units, have - units, false);
    } else {
        units = have;
        set_prev_free_flag(b + units, false);
    }
    word(b) = (units << block::kSizeShift) | (prev_is_free ? block::kPrevFree : 0);
    s_.free_units -= units;
    return b;
}

Off Heap::release(Off b) noexcept {
    std::uint32_t units = units_of(b);
    s_.free_units += units;
    const Off next = b + units;
    if (next < s_.end && (word(next) & block::kFree)) {
        const std::uint32_t next_units = units_of(next);
        if (std::uint64_t{units} + next_units <= block::kMaxUnits) {
            remove_free(next, next_units);
            units += next_units;
        }
    }
    bool prev_is_free = word(b) & block::kPrevFree;
    if (prev_is_free) {
        const std::uint32_t prev_units = *reinterpret_cast<ZoneWord *>(base_ + std::size_t{b} * kUnit - 4);
        if (std::uint64_t{units} + prev_units <= block::kMaxUnits) {
            const Off prev = b - prev_units;
            remove_free(prev, prev_units);
            prev_is_free = word(prev) & block::kPrevFree;
            b = prev;
            units += prev_units;
        }
    }
    make_free(b, units, prev_is_free);
    set_prev_free_flag(b + units, true);
    return b;
}

Off Heap::large_free_block() const noexcept {
    if (s_.lists.first_bitmap == 0) return 0;
    const unsigned first = top_bit(s_.lists.first_bitmap);
    return s_.lists.heads[first][top_bit(s_.lists.second_bitmap[first])];
}

Off Heap::smaller_free_block(Off b) const noexcept {
    if (const Off next = next_free(b)) return next;
    const Level l = level_of(units_of(b));
    if (const std::uint32_t seconds = s_.lists.second_bitmap[l.first] & ((1u << l.second) - 1)) {
        return s_.lists.heads[l.first][top_bit(seconds)];
    }
    const std::uint32_t firsts = s_.lists.first_bitmap & ((1u << l.first) - 1);
    if (firsts == 0) return 0;
    const unsigned first = top_bit(firsts);
    return s_.lists.heads[first][top_bit(s_.lists.second_bitmap[first])];
}

void Heap::add_free_range(Off begin, Off end) noexcept {
    bool prev_is_free = false;
    while (end - begin >= block::kMinUnits) {
        std::uint32_t units = std::min<std::uint32_t>(end - begin, block::kMaxUnits);
        // Never leave a tail too small to be a block.
        if (end - begin - units != 0 && end - begin - units < block::kMinUnits) units -= block::kMinUnits;
        make_free(begin, units, prev_is_free);
        s_.free_units += units;
        prev_is_free = true;
        begin += units;
    }
}

bool Heap::verify(std::string &why) const {
    std::uint64_t free_seen = 0;
    std::uint64_t free_blocks = 0;
    bool prev_is_free = false;
    for (Off b = s_.begin; b < s_.end;) {
        const std::uint32_t units = units_of(b);
        const std::uint32_t w = word(b);
        if (units < block::kMinUnits || std::uint64_t{b} + units > s_.end) {
            why = "block " + std::to_string(b) + " has a bad size";
            return false;
        }
        if (bool(w & block::kPrevFree) != prev_is_free) {
            why = "block " + std::to_string(b) + " has a wrong prev-free flag";
            return false;
        }
        prev_is_free = w & block::kFree;
        if (prev_is_free) {
            if (footer(b, units) != units) {
                why = "free block " + std::to_string(b) + " has a wrong footer";
                return false;
            }
            free_seen += units;
            ++free_blocks;
        }
        b += units;
    }
    if (free_seen != s_.free_units) {
        why = "free units counted " + std::to_string(free_seen) + ", recorded " + std::to_string(s_.free_units);
        return false;
    }
    std::uint64_t listed = 0;
    for (unsigned f = 0; f < kFirstLevels; ++f) {
        for (unsigned sl = 0; sl < kSecondLevels; ++sl) {
            const bool has = s_.lists.heads[f][sl] != 0;
            if (has != bool(s_.lists.second_bitmap[f] & (1u << sl))) {
                why = "second-level bitmap disagrees with its list";
                return false;
            }
            for (Off b = s_.lists.heads[f][sl]; b != 0; b = next_free(b)) {
                const Level l = level_of(units_of(b));
                if (!(word(b) & block::kFree) || l.first != f || l.second != sl) {
                    why = "block " + std::to_string(b) + " is on the wrong free list";
                    return false;
                }
                ++listed;
            }
        }
        if (bool(s_.lists.first_bitmap & (1u << f)) != (s_.lists.second_bitmap[f] != 0)) {
            why = "first-level bitmap disagrees with the second level";
            return false;
        }
    }
    if (listed != free_blocks) {
        why = "free lists hold " + std::to_string(listed) + " blocks, the heap " + std::to_string(free_blocks);
        return false;
    }
    return true;
}

}  // namespace nlf::shdict
