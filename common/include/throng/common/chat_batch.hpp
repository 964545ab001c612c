#pragma once
// Builds a chat ServerFrame{batch{frames...}} from already-serialised binary
// ServerFrames without parsing them again: a repeated message field on the
// wire is just tag + length + bytes, so the batch is a concatenation.

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace throng {

void encode_chat_batch(std::span<const std::shared_ptr<const std::string>> frames, std::string& out);

// The same bytes in pieces, for writing a batch without copying its frames:
// batch_head(inner) then, per frame, batch_item_prefix(size) and the frame,
// where inner is the sum of batch_item_size over the frames.
inline constexpr std::size_t max_batch_prefix = 11;
std::size_t batch_item_size(std::size_t frame_size);
std::size_t write_batch_head(char* out, std::size_t inner);          // at most max_batch_prefix bytes
std::size_t write_batch_item_prefix(char* out, std::size_t frame_size);  // at most max_batch_prefix bytes

}  // namespace throng
