#include "ws_test_client.hpp"

#include <atomic>

#include "throng/common/clock.hpp"
#include "throng/common/token.hpp"

#include <stdexcept>

namespace throng::test {

ws_test_client::ws_test_client(unsigned short port, wire_format format, const std::string& path)
    : ws_(io_), format_(format) {
  beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  ws_.handshake("127.0.0.1:" + std::to_string(port), path);
  ws_.text(format == wire_format::json);
}

void ws_test_client::send(const chat::ClientFrame& frame) { send_raw(encode_frame(frame, format_), format_ == wire_format::json); }

void ws_test_client::send_raw(const std::string& payload, bool text) {
  ws_.text(text);
  ws_.write(net::buffer(payload));
  ws_.text(format_ == wire_format::json);
}

std::optional<chat::ServerFrame> ws_test_client::read(std::chrono::milliseconds timeout) {
  beast::flat_buffer buffer;
  std::optional<chat::ServerFrame> result;
  bool done = false;
  beast::get_lowest_layer(ws_).expires_after(timeout);
  ws_.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
    done = true;
    if (ec) return;
    const std::string_view payload(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto frame = decode<chat::ServerFrame>(payload, ws_.got_text() ? wire_format::json : wire_format::binary);
    if (!frame) throw std::runtime_error("server sent an undecodable frame: " + frame.error().message());
    result = std::move(*frame);
  });
  io_.restart();
  while (!done) io_.run_one();
  beast::get_lowest_layer(ws_).expires_never();
  return result;
}

std::optional<chat::ServerFrame> ws_test_client::read_until(chat::ServerFrame::KindCase kind,
                                                            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!frame) return std::nullopt;
    if (frame->kind_case() == kind) return frame;
  }
  return std::nullopt;
}

http_answer http_call(unsigned short port, http::verb verb, const std::string& target, const std::string& body) {
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http_request req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http_response res;
    http::read(stream, buffer, res);
    return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::retry_after])};
  } catch (const std::exception&) {
    return {};
  }
}

chat::ClientFrame send_frame(const std::string& room, const std::string& body, std::uint64_t client_seq,
                             std::uint32_t dup_factor) {
  chat::ClientFrame f;
  auto* s = f.mutable_send();
  s->set_room(room);
  s->set_body(body);
  s->set_client_seq(client_seq);
  s->set_sent_at_ns(123456789);
  s->set_dup_factor(dup_factor);
  return f;
}

std::string mint_test_token(const std::string& user) {
  return issue_token(user, 3600, test_token_secret, wall_ns() / 1'000'000'000);
}

chat::Welcome ws_test_client::hello(std::initializer_list<const char*> capabilities, std::optional<std::string> token) {
  static std::atomic<int> next_user{1};
  chat::ClientFrame frame;
  auto* hello = frame.mutable_hello();
  hello->set_token(token ? *token : mint_test_token("tester-" + std::to_string(next_user++)));
  for (const char* c : capabilities) hello->add_capabilities(c);
  send(frame);
  auto reply = read_until(chat::ServerFrame::kWelcome);
  if (!reply) throw std::runtime_error("no welcome");
  return reply->welcome();
}

chat::History ws_test_client::join(const std::string& room, std::uint64_t since_seq) {
  chat::ClientFrame frame;
  frame.mutable_join()->set_room(room);
  frame.mutable_join()->set_since_seq(since_seq);
  send(frame);
  auto reply = read_until(chat::ServerFrame::kHistory);
  if (!reply) throw std::runtime_error("no history after join");
  return reply->history();
}

std::map<std::uint64_t, std::uint64_t> ws_test_client::send_acked(const std::string& room, int count,
                                                                   const std::string& body) {
  for (int i = 1; i <= count; ++i) send(send_frame(room, body, i));
  std::map<std::uint64_t, std::uint64_t> acked;
  while (static_cast<int>(acked.size()) < count) {
    auto ack = read_until(chat::ServerFrame::kAck);
    if (!ack) throw std::runtime_error("an ack is missing after " + std::to_string(acked.size()) + " of " + std::to_string(count));
    acked[ack->ack().client_seq()] = ack->ack().seq();
  }
  return acked;
}

}  // namespace throng::test
