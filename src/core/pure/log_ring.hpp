#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

// The error-log lines lua_capture_error_log keeps for ngx.errlog.get_logs: records
// (level, time, text) in a fixed block of memory, oldest first; a new record pushes
// out as many of the oldest as it needs room for. A record never wraps around the
// end of the block: the space left there is skipped. No nginx headers: unit-tested.
namespace nlf::core {

class LogRing {
public:
    struct Entry {
        int level;
        double time;
        std::string_view text;
    };

    // `memory` (8-byte aligned, `size` bytes) outlives the ring.
    LogRing(void *memory, std::size_t size) noexcept;

    // Keeps a record; text longer than the whole block can hold is cut.
    void push(int level, double time, std::string_view text) noexcept;

    // Takes the oldest record out; its text stays valid until the next push.
    bool pop(Entry &out) noexcept;

    bool empty() const noexcept { return count_ == 0; }
    std::size_t count() const noexcept { return count_; }

private:
    struct Header {
        std::uint32_t size;  // of the whole record, header included, rounded to 8
        std::uint32_t text_len;
        std::int32_t level;
        std::int32_t unused;
        double time;
    };

    static std::size_t record_size(std::size_t text_len) noexcept;
    bool fits_at_tail(std::size_t size) const noexcept;
    void drop_oldest() noexcept;

    unsigned char *base_;
    std::size_t size_;
    std::size_t head_ = 0;  // the oldest record
    std::size_t tail_ = 0;  // where the next one goes
    std::size_t end_ = 0;   // where the records before the wrap stop (tail_ < head_)
    std::size_t count_ = 0;
};

}  // namespace nlf::core
