#pragma once
// receiveuntil's matcher: finds a pattern in a byte stream that arrives in pieces,
// looking at each byte once (Knuth-Morris-Pratt), so a pattern whose start repeats
// inside it ("--abc" in "---abc") is found however the reads split the stream.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nlf::core {

class StreamPattern {
public:
    // Throws std::bad_alloc. `pattern` must not be empty.
    explicit StreamPattern(std::string_view pattern);

    size_t size() const noexcept { return pattern_.size(); }

    enum class Stop {
        more,   // every byte of data was scanned: the pattern may come in what follows
        found,  // the pattern ends at pos
        limit,  // pos - matched reached the limit
    };
    // Scans data from pos on. `matched` is how many bytes of the pattern end what was
    // scanned before (0 at the start of a scan); the bytes before those are certainly
    // not part of the pattern. Stops when the pattern is complete, when those certain
    // bytes (pos - matched) reach `limit` (0: no limit), or at the end of data.
    Stop scan(std::string_view data, size_t &pos, size_t &matched, size_t limit) const noexcept;

private:
    std::string pattern_;
    // fallback_[i]: the longest proper prefix of pattern_[0..i] that is also its suffix.
    std::vector<size_t> fallback_;
};

}  // namespace nlf::core
