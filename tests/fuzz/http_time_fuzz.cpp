// Date parsing on arbitrary bytes (the parser asserts it reads nothing past the end);
// formatting of arbitrary times.
#include "core/pure/http_time.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace ht = nlf::core::http_time;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    // A copy of exactly `size` bytes: ASan catches any read past it.
    std::vector<char> input(data, data + size);
    std::int64_t t = 0;
    if (ht::parse_http({input.data(), size}, t) && t >= 0 && t < 253402300800) {
        // What parses, formatted and parsed again, is the same time.
        char buf[ht::max_length];
        std::int64_t again = 0;
        if (!ht::parse_http({buf, ht::format_http(t, buf)}, again) || again != t) std::abort();
    }

    std::int64_t any = 0;
    std::memcpy(&any, data, size < sizeof any ? size : sizeof any);
    char a[ht::max_length];
    char b[ht::max_length];
    static ht::DayCachedFormatter http(ht::format_http);
    static ht::DayCachedFormatter cookie(ht::format_cookie);
    const std::size_t n = ht::format_http(any, a);
    if (n > ht::max_length || http.format(any, b) != n || std::memcmp(a, b, n) != 0) std::abort();
    const std::size_t m = ht::format_cookie(any, a);
    if (m > ht::max_length || cookie.format(any, b) != m || std::memcmp(a, b, m) != 0) std::abort();
    if (ht::format_date_time(any, a) > ht::max_length) std::abort();
    return 0;
}
