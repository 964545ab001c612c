#pragma once
// The WebSocket opening handshake (RFC 6455 4): the server's accept key and
// the client's side (a request with a fresh key, the check of the 101), shared
// by the server, the agent's client and the benchmark's load generator.

#include <cstdint>
#include <string>
#include <string_view>

namespace throng::ws {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string accept_key(std::string_view key);

// A Sec-WebSocket-Key: the base64 of 16 nonce bytes drawn from `state` (a
// cheap generator is enough; the key only proves the server read the request).
std::string client_key(std::uint64_t& state);

// The GET that asks `host_port` to upgrade `path`.
std::string upgrade_request(std::string_view host_port, std::string_view path, std::string_view key,
                            std::string_view user_agent);

// Given a response head (through the CRLF before its blank line): empty when
// it is a 101 that accepts `key`, else what is wrong, for the user.
std::string upgrade_refusal(std::string_view head, std::string_view key);

}  // namespace throng::ws
