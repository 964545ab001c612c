// libFuzzer target for everything a client controls before it is trusted:
// chat frames in both encodings, and the tokens in hello.
// Build: cmake -DTHRONG_FUZZ=ON with clang (see `make fuzz`).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chat.pb.h"
#include "throng/common/frame_codec.hpp"
#include "throng/common/token.hpp"

namespace {

// A frame that decoded must survive its own re-encoding unchanged.
template <class Frame>
void round_trip(std::string_view payload, throng::wire_format format) {
  auto frame = throng::decode<Frame>(payload, format, 1 << 20);
  if (!frame) return;
  const auto encoded = throng::encode_frame(*frame, format);
  auto again = throng::decode<Frame>(encoded, format, 1 << 20);
  if (!again || again->SerializeAsString() != frame->SerializeAsString()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  round_trip<throng::chat::ClientFrame>(payload, throng::wire_format::binary);
  round_trip<throng::chat::ClientFrame>(payload, throng::wire_format::json);
  round_trip<throng::chat::ServerFrame>(payload, throng::wire_format::binary);
  throng::verify_token(std::string(payload), "fuzz-secret", 1'000'000);
  if (auto decoded = throng::base64url_decode(payload)) {
    if (throng::base64url_decode(throng::base64url_encode(*decoded)) != decoded) std::abort();
  }
  return 0;
}
