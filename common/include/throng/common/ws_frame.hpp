#pragma once
// WebSocket framing (RFC 6455 5.2) shared by the agent's client and the
// server's connections: frame headers and masking (the handshake: ws_handshake.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace throng::ws {

enum opcode : std::uint8_t { op_continuation = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA };

inline bool is_control(std::uint8_t op) { return op & 0x8; }

struct frame_header {
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  char mask[4] = {};
  std::uint64_t length = 0;  // payload bytes
  std::size_t size = 0;      // header bytes
};

enum class header_status { complete, incomplete, bad };

// Reads the header at the start of `data`. `bad`: reserved bits set (no
// extension is ever negotiated).
header_status parse_header(std::string_view data, frame_header& out);

inline constexpr std::size_t max_header_size = 14;

// Writes a header for a final frame of `length` bytes into `out` (at least
// max_header_size bytes); masked when `mask` is given. Returns its size.
std::size_t write_header(char* out, std::uint8_t opcode, std::uint64_t length, const char* mask = nullptr);

// XORs `data` with the key, starting at key byte `offset % 4`.
void apply_mask(char* data, std::size_t n, const char mask[4], std::size_t offset = 0);

}  // namespace throng::ws
