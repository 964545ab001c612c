#include "throng/common/ws_frame.hpp"

#include <algorithm>
#include <cstring>

namespace throng::ws {

header_status parse_header(std::string_view data, frame_header& out) {
  if (data.size() < 2) return header_status::incomplete;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  if (b0 & 0x70) return header_status::bad;
  out.fin = b0 & 0x80;
  out.opcode = b0 & 0x0F;
  out.masked = b1 & 0x80;
  std::uint64_t length = b1 & 0x7F;
  std::size_t at = 2;
  if (length >= 126) {
    const std::size_t bytes = length == 126 ? 2 : 8;
    if (data.size() < at + bytes) return header_status::incomplete;
    length = 0;
    for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<std::uint8_t>(data[at + i]);
    at += bytes;
  }
  if (out.masked) {
    if (data.size() < at + 4) return header_status::incomplete;
    std::memcpy(out.mask, data.data() + at, 4);
    at += 4;
  }
  out.length = length;
  out.size = at;
  return header_status::complete;
}

std::size_t write_header(char* out, std::uint8_t opcode, std::uint64_t length, const char* mask) {
  const char mask_bit = mask ? static_cast<char>(0x80) : 0;
  std::size_t at = 0;
  out[at++] = static_cast<char>(0x80 | opcode);
  if (length < 126) {
    out[at++] = static_cast<char>(mask_bit | static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    out[at++] = static_cast<char>(mask_bit | 126);
    out[at++] = static_cast<char>(length >> 8);
    out[at++] = static_cast<char>(length & 0xFF);
  } else {
    out[at++] = static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out[at++] = static_cast<char>((length >> shift) & 0xFF);
  }
  if (mask) {
    std::memcpy(out + at, mask, 4);
    at += 4;
  }
  return at;
}

void apply_mask(char* data, std::size_t n, const char mask[4], std::size_t offset) {
  // Word at a time: the key rotated to the offset, repeated.
  char rotated[8];
  for (int i = 0; i < 8; ++i) rotated[i] = mask[(offset + i) & 3];
  std::uint64_t key;
  std::memcpy(&key, rotated, 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(data[i] ^ rotated[i & 7]);
}

}  // namespace throng::ws
