#pragma once
// Builds a chat ServerFrame{batch{frames...}} from already-serialised binary
// ServerFrames without parsing them again: a repeated message field on the
// wire is just tag + length + bytes, so the batch is a concatenation.

#include <memory>
#include <span>
#include <string>

namespace throng {

void encode_chat_batch(std::span<const std::shared_ptr<const std::string>> frames, std::string& out);

}  // namespace throng
