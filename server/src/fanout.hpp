#pragma once
// A server frame as it travels from a room's owner shard to the shards of its
// receivers: built and serialised once per form some member uses, then
// shared read-only.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "chat.pb.h"

namespace throng::server {

// How a member receives messages: the wire encoding, and whether it asked
// for the compact dup_factor form.
enum class delivery_form : std::uint8_t { binary, json, binary_compact, json_compact };
inline constexpr std::size_t delivery_form_count = 4;

inline bool is_json(delivery_form f) { return f == delivery_form::json || f == delivery_form::json_compact; }

struct fanout_message {
  chat::ServerFrame frame;       // message (full body) or presence
  std::int64_t sequenced_mono_ns = 0;
  std::int64_t received_mono_ns = 0;  // when the kernel here took in the sender's frame; 0 when it came over the bus
  std::array<std::shared_ptr<const std::string>, delivery_form_count> encoded;

  // The bytes for a member of `form`: the compact form when one was built,
  // else the full body in the same encoding.
  const std::shared_ptr<const std::string>& bytes_for(delivery_form form) const {
    const auto& exact = encoded[static_cast<std::size_t>(form)];
    if (exact) return exact;
    return encoded[is_json(form) ? static_cast<std::size_t>(delivery_form::json)
                                 : static_cast<std::size_t>(delivery_form::binary)];
  }
};

using fanout_ptr = std::shared_ptr<const fanout_message>;

}  // namespace throng::server
