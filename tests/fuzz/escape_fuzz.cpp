// URI escaping of every type and SQL quoting: lengths as announced, and unescaping an
// escaped string gives it back.
#include "core/pure/escape.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace esc = nlf::core::escape;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    std::vector<unsigned char> out(size);
    if (esc::unescape_uri(input, out.data()) > size) std::abort();

    for (int t = 0; t < esc::uri_type_count; ++t) {
        const auto type = static_cast<esc::UriType>(t);
        std::vector<unsigned char> escaped(esc::escaped_length(input, type));
        esc::escape_uri(input, escaped.data(), type);
        const std::string_view e(reinterpret_cast<const char *>(escaped.data()), escaped.size());
        // Unescaping turns '+' into a space: only types that escape '+' and '%' (every
        // "%" kept verbatim would start an escape) give the input back exactly.
        if (esc::escaped_length("+", type) == 3 && esc::escaped_length("%", type) == 3) {
            std::vector<unsigned char> back(e.size());
            const std::size_t n = esc::unescape_uri(e, back.data());
            if (std::string_view(reinterpret_cast<const char *>(back.data()), n) != input) std::abort();
        }
    }

    std::vector<unsigned char> quoted(esc::quoted_sql_length(input));
    esc::quote_sql(input, quoted.data());
    if (quoted.front() != '\'' || quoted.back() != '\'') std::abort();
    return 0;
}
