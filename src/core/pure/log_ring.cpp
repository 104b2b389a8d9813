#include "core/pure/log_ring.hpp"

#include <cstring>

namespace nlf::core {

LogRing::LogRing(void *memory, std::size_t size) noexcept
    : base_(static_cast<unsigned char *>(memory)), size_(size & ~std::size_t{7}) {}

std::size_t LogRing::record_size(std::size_t text_len) noexcept {
    return (sizeof(Header) + text_len + 7) & ~std::size_t{7};
}

// The layout is either [head_, tail_) with free space after tail_ and before head_
// (when nothing wrapped: tail_ >= head_), or [head_, end_) then [0, tail_) with the
// free space between tail_ and head_.
bool LogRing::fits_at_tail(std::size_t size) const noexcept {
    if (count_ == 0) return size <= size_;
    if (tail_ > head_ || (tail_ == head_ && end_ == 0)) return size <= size_ - tail_;
    return size <= head_ - tail_;
}

void LogRing::drop_oldest() noexcept {
    const auto *header = reinterpret_cast<const Header *>(base_ + head_);
    head_ += header->size;
    --count_;
    if (count_ == 0) {
        head_ = tail_ = end_ = 0;
    } else if (end_ != 0 && head_ == end_) {
        head_ = 0;
        end_ = 0;
    }
}

void LogRing::push(int level, double time, std::string_view text) noexcept {
    if (size_ < sizeof(Header)) return;
    if (record_size(text.size()) > size_) text = text.substr(0, size_ - sizeof(Header));
    const std::size_t size = record_size(text.size());
    while (!fits_at_tail(size)) {
        // Not wrapped and no room before the end: go on at the start, once the
        // oldest records have made room there.
        if (count_ != 0 && end_ == 0 && tail_ >= head_ && size > size_ - tail_) {
            end_ = tail_;
            tail_ = 0;
            continue;
        }
        drop_oldest();
    }
    auto *header = reinterpret_cast<Header *>(base_ + tail_);
    header->size = static_cast<std::uint32_t>(size);
    header->text_len = static_cast<std::uint32_t>(text.size());
    header->level = level;
    header->unused = 0;
    header->time = time;
    if (!text.empty()) std::memcpy(base_ + tail_ + sizeof(Header), text.data(), text.size());
    tail_ += size;
    ++count_;
}

bool LogRing::pop(Entry &out) noexcept {
    if (count_ == 0) return false;
    const auto *header = reinterpret_cast<const Header *>(base_ + head_);
    out.level = header->level;
    out.time = header->time;
    out.text = {reinterpret_cast<const char *>(header + 1), header->text_len};
    drop_oldest();
    return true;
}

}  // namespace nlf::core
