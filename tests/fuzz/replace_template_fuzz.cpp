// Replacement templates: parse arbitrary text; what parses evaluates to exactly the
// length it announces (within its bound), whatever the match, and write_with_slack()
// writes what write() does.
#include "core/pure/replace_template.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using nlf::core::ReplaceTemplate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    // The first bytes shape the match, the rest is the template.
    if (size < 4) return 0;
    const std::string subject = "the subject of the match";
    const int count = data[0] % 5;
    std::vector<int> ovector(2 * count);
    for (int i = 0; i < count; ++i) {
        int from = (data[1] + 7 * i) % static_cast<int>(subject.size());
        int to = from + (data[2] + 3 * i) % static_cast<int>(subject.size() - from + 1);
        bool unset = (data[3] >> i) & 1;
        ovector[2 * i] = unset ? -1 : from;
        ovector[2 * i + 1] = unset ? -1 : to;
    }
    std::string error;
    std::optional<ReplaceTemplate> t =
        ReplaceTemplate::parse({reinterpret_cast<const char *>(data + 4), size - 4}, error);
    if (!t) return 0;
    if (!t->resolve_names([](std::string_view name) { return name.size() % 2 ? static_cast<int>(name.size()) : -1; },
                          error)) {
        return 0;
    }
    const std::size_t n = t->length(ovector.data(), count);
    std::vector<unsigned char> out(n);
    unsigned char *end = t->write(reinterpret_cast<const unsigned char *>(subject.data()), ovector.data(), count,
                                  out.data());
    if (static_cast<std::size_t>(end - out.data()) != n) std::abort();
    if (n > t->length_bound(subject.size())) std::abort();
    std::vector<unsigned char> slack_out(n + nlf::core::copy_slack);
    end = t->write_with_slack(reinterpret_cast<const unsigned char *>(subject.data()), ovector.data(), count,
                              slack_out.data());
    if (static_cast<std::size_t>(end - slack_out.data()) != n) std::abort();
    if (!std::equal(out.begin(), out.end(), slack_out.begin())) std::abort();
    return 0;
}
