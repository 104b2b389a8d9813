#pragma once
#include <cstdint>
#include <string_view>

namespace nlf::core {

// CRC-32 (IEEE 802.3, the zlib / nginx ngx_crc32 checksum) of `data`.
std::uint32_t crc32(std::string_view data) noexcept;

}  // namespace nlf::core
