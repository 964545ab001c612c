#pragma once
// How virtual users speak to a target. Users think in the Throng chat model
// (chat.proto's ClientFrame / ServerFrame); an adapter maps that model to a
// target's wire format. Adding a protocol is one new file with a class like
// throng_adapter and a line in make_adapter().

#include <memory>
#include <string>
#include <string_view>

#include "chat.pb.h"
#include "control.pb.h"

namespace throng::agent {

class protocol_adapter {
 public:
  virtual ~protocol_adapter() = default;
  // Whether the WebSocket messages the adapter writes are text frames.
  virtual bool text_frames() const = 0;
  // Encodes one client action into `out` (replacing its contents).
  virtual void encode(const chat::ClientFrame& frame, std::string& out) const = 0;
  // Decodes one received WebSocket message; false when it is malformed.
  virtual bool decode(std::string_view payload, bool text, chat::ServerFrame& out) const = 0;
};

// The adapter for a plan's protocol.
std::unique_ptr<protocol_adapter> make_adapter(control::WireProtocol protocol);

}  // namespace throng::agent
