#include "throng/common/chat_batch.hpp"

#include <cstdint>

namespace throng {

namespace {
constexpr char server_frame_batch_tag = (8 << 3) | 2;  // ServerFrame.batch, length-delimited
constexpr char batch_frames_tag = (1 << 3) | 2;        // Batch.frames, length-delimited

std::size_t put_varint(char* out, std::uint64_t v) {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<char>(v);
  return n;
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}
}  // namespace

std::size_t batch_item_size(std::size_t frame_size) { return 1 + varint_size(frame_size) + frame_size; }

std::size_t write_batch_head(char* out, std::size_t inner) {
  out[0] = server_frame_batch_tag;
  return 1 + put_varint(out + 1, inner);
}

std::size_t write_batch_item_prefix(char* out, std::size_t frame_size) {
  out[0] = batch_frames_tag;
  return 1 + put_varint(out + 1, frame_size);
}

void encode_chat_batch(std::span<const std::shared_ptr<const std::string>> frames, std::string& out) {
  std::size_t inner = 0;
  for (const auto& f : frames) inner += batch_item_size(f->size());
  char prefix[max_batch_prefix];
  out.clear();
  out.reserve(max_batch_prefix + inner);
  out.append(prefix, write_batch_head(prefix, inner));
  for (const auto& f : frames) {
    out.append(prefix, write_batch_item_prefix(prefix, f->size()));
    out.append(*f);
  }
}

}  // namespace throng
