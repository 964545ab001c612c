// libFuzzer target for the Redis replies the bus reads (RESP2): whatever
// bytes arrive, the parser either waits for more, refuses, or returns a reply
// whose length is within what it was given, and never crashes or recurses away.
// Build: cmake -DTHRONG_FUZZ=ON with clang (see `make fuzz`).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bus/resp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Replies back to back, as they arrive on a pipelined connection.
  for (int replies = 0; replies < 64 && !in.empty(); ++replies) {
    throng::server::resp::value v;
    std::size_t used = 0;
    const auto status = throng::server::resp::parse(in, v, used);
    if (status != throng::server::resp::parse_status::complete) {
      if (used != 0) std::abort();
      return 0;
    }
    if (used == 0 || used > in.size()) std::abort();
    // A prefix of a complete reply is never complete.
    throng::server::resp::value shorter;
    std::size_t shorter_used = 0;
    if (throng::server::resp::parse(in.substr(0, used - 1), shorter, shorter_used) ==
        throng::server::resp::parse_status::complete)
      std::abort();
    in.remove_prefix(used);
  }
  return 0;
}
