#pragma once
// One simulated chat user on a worker: connect, hello, join its room, then
// send on the planned open-model timeline while reading everything the room
// delivers. Runs entirely on its worker's thread.

#include <array>
#include <functional>
#include <memory>
#include <string>

#include "chat.pb.h"
#include "run_context.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/ws_channel.hpp"

namespace throng::agent {

struct worker;

class virtual_user : public std::enable_shared_from_this<virtual_user> {
 public:
  virtual_user(worker& home, std::shared_ptr<run_context> run, std::uint64_t user_id);

  // Connects and joins, calls on_ready with an empty string on success or
  // the reason it failed, then serves until close().
  net::awaitable<void> run(std::function<void(std::string)> on_ready);
  void close();

 private:
  net::awaitable<bool> connect_and_join();
  net::awaitable<void> send_loop();
  net::awaitable<void> read_loop();
  // Reads the next frame, unpacking batches; false when the connection ended.
  net::awaitable<bool> read_frame(chat::ServerFrame& frame);
  void on_frame(const chat::ServerFrame& frame);
  void on_message(const chat::ChatMessage& message);
  void on_ack(const chat::Ack& ack);
  void on_error(const chat::Error& error);
  void send_one(std::int64_t intended_local, std::int64_t now_local);

  // A sent message awaiting its ack; a fixed ring bounds memory per user.
  struct in_flight {
    std::uint64_t client_seq = 0;
    std::int64_t intended = 0;
    std::int64_t actual = 0;
  };
  static constexpr std::size_t max_in_flight = 128;

  worker& home_;
  std::shared_ptr<run_context> run_;
  std::uint64_t user_id_;
  std::string room_;
  std::uint32_t room_index_;
  wire_format format_;
  std::shared_ptr<ws_channel> channel_;
  beast::flat_buffer read_buffer_;
  chat::ClientFrame send_frame_;   // reused: only body, seq and time change per send
  std::array<in_flight, max_in_flight> in_flight_{};
  std::uint32_t outstanding_ = 0;
  std::uint64_t next_client_seq_ = 1;
  std::uint64_t last_seq_ = 0;
  bool closed_ = false;
  std::string failure_;  // why connect_and_join failed
};

}  // namespace throng::agent
