#include "throng/common/chat_batch.hpp"

#include <cstdint>

namespace throng {

namespace {
constexpr char server_frame_batch_tag = (8 << 3) | 2;  // ServerFrame.batch, length-delimited
constexpr char batch_frames_tag = (1 << 3) | 2;        // Batch.frames, length-delimited

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}
}  // namespace

void encode_chat_batch(std::span<const std::shared_ptr<const std::string>> frames, std::string& out) {
  std::size_t inner = 0;
  for (const auto& f : frames) inner += 1 + varint_size(f->size()) + f->size();
  out.clear();
  out.reserve(1 + varint_size(inner) + inner);
  out.push_back(server_frame_batch_tag);
  put_varint(out, inner);
  for (const auto& f : frames) {
    out.push_back(batch_frames_tag);
    put_varint(out, f->size());
    out.append(*f);
  }
}

}  // namespace throng
