#pragma once
// A sequenced chat message as it travels from the room's owner shard to the
// shards of its receivers: built and serialised once, then shared read-only.

#include <memory>
#include <string>

#include "chat.pb.h"

namespace throng::server {

struct fanout_message {
  chat::ServerFrame frame;                        // frame.message() is set
  std::shared_ptr<const std::string> binary;      // protobuf encoding
  std::shared_ptr<const std::string> json;        // JSON encoding, null when no JSON client was a member
};

using fanout_ptr = std::shared_ptr<const fanout_message>;

}  // namespace throng::server
