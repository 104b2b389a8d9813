#include "core/pure/stream_pattern.hpp"

#include <cstring>

namespace nlf::core {

StreamPattern::StreamPattern(std::string_view pattern) : pattern_(pattern), fallback_(pattern.size(), 0) {
    size_t k = 0;
    for (size_t i = 1; i < pattern_.size(); ++i) {
        while (k > 0 && pattern_[i] != pattern_[k]) k = fallback_[k - 1];
        if (pattern_[i] == pattern_[k]) ++k;
        fallback_[i] = k;
    }
}

StreamPattern::Stop StreamPattern::scan(std::string_view data, size_t &pos, size_t &matched,
                                        size_t limit) const noexcept {
    const size_t m = pattern_.size();
    while (pos < data.size()) {
        if (matched == 0) {
            // Nothing pending: skip to the next byte that can start the pattern.
            size_t end = data.size();
            if (limit > 0 && limit < end) end = limit;  // pos < limit: nothing is pending
            const void *hit = std::memchr(data.data() + pos, pattern_[0], end - pos);
            if (hit == nullptr) {
                pos = end;
                if (limit > 0 && pos >= limit) return Stop::limit;
                continue;
            }
            pos = static_cast<size_t>(static_cast<const char *>(hit) - data.data());
        }
        const char c = data[pos++];
        while (matched > 0 && pattern_[matched] != c) matched = fallback_[matched - 1];
        if (pattern_[matched] == c) ++matched;
        if (matched == m) return Stop::found;
        if (limit > 0 && pos - matched >= limit) return Stop::limit;
    }
    return Stop::more;
}

}  // namespace nlf::core
