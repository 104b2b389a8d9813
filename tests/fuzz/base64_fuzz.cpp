// Every decoder on arbitrary bytes; encode then decode gives the input back.
#include "core/pure/base64.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace b64 = nlf::core::base64;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    // Exactly the room the decoders promise to stay within, so ASan sees an overrun.
    std::vector<unsigned char> out(b64::decoded_length_max(size) + 1);
    for (auto alphabet : {b64::Alphabet::standard, b64::Alphabet::url}) {
        std::size_t n = b64::decode(input, out.data() + 1, alphabet);
        if (n != b64::invalid && n > b64::decoded_length_max(size)) std::abort();
    }
    std::size_t n = b64::decode_mime(input, out.data() + 1);
    if (n != b64::invalid && n > b64::decoded_length_max(size)) std::abort();

    for (auto alphabet : {b64::Alphabet::standard, b64::Alphabet::url}) {
        for (bool padding : {true, false}) {
            std::vector<unsigned char> encoded(b64::encoded_length(size, padding));
            if (b64::encode(input, encoded.data(), alphabet, padding) != encoded.size()) std::abort();
            const std::string_view e(reinterpret_cast<const char *>(encoded.data()), encoded.size());
            std::vector<unsigned char> back(b64::decoded_length_max(e.size()));
            std::size_t m = b64::decode(e, back.data(), alphabet);
            if (m != size || std::string_view(reinterpret_cast<const char *>(back.data()), m) != input) std::abort();
            if (alphabet == b64::Alphabet::standard) {
                m = b64::decode_mime(e, back.data());
                if (m != size || std::string_view(reinterpret_cast<const char *>(back.data()), m) != input) {
                    std::abort();
                }
            }
        }
    }
    return 0;
}
