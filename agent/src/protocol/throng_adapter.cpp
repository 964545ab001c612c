// The Throng chat protocol itself: protobuf in binary frames or its JSON
// mapping in text frames (DESIGN.md "Wire contracts").

#include "protocol_adapter.hpp"
#include "throng/common/frame_codec.hpp"

namespace throng::agent {

namespace {
class throng_adapter final : public protocol_adapter {
 public:
  explicit throng_adapter(wire_format format) : format_(format) {}
  bool text_frames() const override { return format_ == wire_format::json; }
  void encode(const chat::ClientFrame& frame, std::string& out) const override { encode_frame(frame, format_, out); }
  bool decode(std::string_view payload, bool text, chat::ServerFrame& out) const override {
    // The server answers in the encoding of each frame it sends.
    return !decode_frame(payload, text ? wire_format::json : wire_format::binary, out);
  }

 private:
  wire_format format_;
};
}  // namespace

std::unique_ptr<protocol_adapter> make_adapter(control::WireProtocol protocol) {
  return std::make_unique<throng_adapter>(protocol == control::WIRE_JSON ? wire_format::json : wire_format::binary);
}

}  // namespace throng::agent
