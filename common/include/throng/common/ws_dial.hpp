#pragma once
// Dials a WebSocket as a client with an optional bearer token: the agent's
// and the panel's link to a controller. Heavy (Beast): .cpp files only.

#include <chrono>
#include <optional>
#include <string>

#include "throng/common/net.hpp"
#include "throng/common/url.hpp"

namespace throng {

struct dial_result {
  std::optional<ws_stream> ws;  // set on success
  error_code ec;                // why not
  unsigned http_status = 0;     // the refusal's HTTP status when the handshake was answered (401: bad token)
  bool refused_token() const noexcept { return http_status == 401 || http_status == 403; }
};

// One attempt: resolve, connect (bounded by `timeout`) and handshake, as binary.
net::awaitable<dial_result> dial_websocket(const ws_url& url, const std::string& bearer_token, const char* user_agent,
                                           std::chrono::milliseconds timeout);

}  // namespace throng
