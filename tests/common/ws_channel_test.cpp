// ws_channel over a real loopback socket: queueing in order, the queue cap.
#include "throng/common/ws_channel.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "chat.pb.h"
#include "throng/common/frame_codec.hpp"

namespace throng {
namespace {

// A connected pair: `server` side wrapped in a ws_channel, `client` a plain stream.
struct channel_pair {
  net::io_context io;
  std::shared_ptr<ws_channel> channel;
  std::unique_ptr<ws_stream> client;

  explicit channel_pair(std::size_t max_queued) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    client = std::make_unique<ws_stream>(io);
    std::thread dial([&] {
      beast::get_lowest_layer(*client).connect(acceptor.local_endpoint());
      client->handshake("127.0.0.1", "/");
    });
    tcp::socket socket = acceptor.accept();
    ws_stream server(std::move(socket));
    server.accept();
    dial.join();
    server.binary(true);
    channel = std::make_shared<ws_channel>(std::move(server), max_queued);
  }

  std::string read_one() {
    beast::flat_buffer buffer;
    std::string out;
    bool done = false;
    client->async_read(buffer, [&](error_code ec, std::size_t) {
      done = true;
      if (!ec) out = beast::buffers_to_string(buffer.data());
    });
    while (!done) io.run_one();
    return out;
  }
};

std::shared_ptr<const std::string> message_frame(std::uint64_t seq) {
  chat::ServerFrame f;
  f.mutable_message()->set_room("r");
  f.mutable_message()->set_seq(seq);
  return std::make_shared<const std::string>(f.SerializeAsString());
}

TEST(WsChannel, EachFrameIsOneMessageInOrder) {
  channel_pair pair(1 << 20);
  for (int i = 1; i <= 5; ++i) pair.channel->send(message_frame(i));
  pair.channel->start();
  for (int i = 1; i <= 5; ++i) {
    auto frame = decode<chat::ServerFrame>(pair.read_one(), wire_format::binary);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->message().seq(), static_cast<std::uint64_t>(i));
  }
}

TEST(WsChannel, QueueCapRefusesInsteadOfGrowing) {
  channel_pair pair(1000);
  auto big = std::make_shared<const std::string>(600, 'x');
  EXPECT_TRUE(pair.channel->send(big));
  EXPECT_FALSE(pair.channel->send(big)) << "1200 queued bytes exceed the 1000-byte cap";
  EXPECT_EQ(pair.channel->queued_bytes(), 600u);
  pair.channel->close(websocket::close_code::policy_error, "slow consumer");
  EXPECT_FALSE(pair.channel->send(big)) << "closing channels take nothing";
}

}  // namespace
}  // namespace throng
