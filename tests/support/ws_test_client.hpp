#pragma once
// A blocking WebSocket client for tests: speaks the chat protocol in either
// encoding against a real server on loopback.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "chat.pb.h"
#include "throng/common/frame_codec.hpp"
#include "throng/common/net.hpp"

namespace throng::test {

// Servers under test accept tokens minted with this secret (--test-token-secret).
inline constexpr const char* test_token_secret = "throng-test-secret";
struct http_answer {
  int status = 0;  // 0: no answer
  std::string body;
  std::string retry_after;
};
// One HTTP/1.1 request to 127.0.0.1:port.
http_answer http_call(unsigned short port, http::verb verb, const std::string& target, const std::string& body = {});

// A send frame for `room` (sent_at_ns set to a fixed stamp).
chat::ClientFrame send_frame(const std::string& room, const std::string& body, std::uint64_t client_seq,
                             std::uint32_t dup_factor = 0);

// A token for `user` signed with test_token_secret, valid for an hour.
std::string mint_test_token(const std::string& user);

class ws_test_client {
 public:
  ws_test_client(unsigned short port, wire_format format, const std::string& path = "/ws");

  void send(const chat::ClientFrame& frame);
  void send_raw(const std::string& payload, bool text);
  // Next server frame (batches are returned as they come); nullopt on close or timeout.
  // The close code is close_reason() afterwards.
  std::optional<chat::ServerFrame> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until a frame of the given kind arrives, skipping others; nullopt on timeout.
  std::optional<chat::ServerFrame> read_until(chat::ServerFrame::KindCase kind,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  websocket::close_reason close_reason() const { return ws_.reason(); }

  // Convenience: hello (+ welcome), join (+ history). Without a token the
  // client says hello as a fresh minted user; an empty token is anonymous.
  chat::Welcome hello(std::initializer_list<const char*> capabilities = {}, std::optional<std::string> token = {});
  chat::History join(const std::string& room, std::uint64_t since_seq = 0);
  // Sends `count` messages to `room` (client_seq 1..count), then reads until
  // each has its ack; returns client_seq -> seq. Throws when an ack is missing.
  std::map<std::uint64_t, std::uint64_t> send_acked(const std::string& room, int count, const std::string& body = "m");

 private:
  net::io_context io_;
  ws_stream ws_;
  wire_format format_;
};

}  // namespace throng::test
