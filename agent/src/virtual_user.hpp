#pragma once
// One simulated chat user's session on a worker: connect (paced, retried
// with backoff), authenticate, join its rooms, then send on its planned
// timeline while reading everything its rooms deliver, until the session
// ends, the run stops, or the user is told to leave. A dropped connection is
// re-established and rooms are rejoined with since_seq, so gaps are replayed.
//
// Connecting is a coroutine that lasts from the user's connect slot until it
// is live. Otherwise the user holds no coroutine or timer: its connection's
// events and two places in the worker's deadline queue (its connect slot or
// reconnect backoff; its next send, awaited ack or session end) drive it, so
// an idle user costs little more than its socket and state, and users waiting
// for their turn to connect hold no memory that is freed later in pieces.
// Runs entirely on its worker's thread.

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "chat.pb.h"
#include "throng/common/random.hpp"
#include "model/sequence_tracker.hpp"
#include "run_context.hpp"
#include "deadline_queue.hpp"
#include "ws_client.hpp"

namespace throng::agent {

struct worker;

class virtual_user : public std::enable_shared_from_this<virtual_user>, private ws_client_events {
 public:
  // `slot` is the user's place in the run (target and source address);
  // `user` its identity for this session.
  virtual_user(worker& home, std::shared_ptr<run_context> run, std::uint64_t slot, std::uint64_t user);
  ~virtual_user();

  // Begins the session. With `report_ready` the worker hears once, after the
  // first connect-and-join, whether it worked (worker::user_ready); it always
  // hears when the session is over (worker::session_over).
  void start(bool report_ready);
  // The run has started: a live user waiting for it begins sending.
  void on_run_start();
  // Leave the rooms and close; the session ends.
  void end();
  // Drop the connection abruptly and reconnect after `delay_ns` (a reconnect storm).
  void drop(std::int64_t delay_ns);
  bool connected() const { return connected_; }
  bool ended() const { return ended_; }
  std::uint64_t slot() const { return slot_; }
  std::uint64_t user() const { return user_; }
  const run_context* run() const { return run_.get(); }
  // Sends one message now for a slot planned at `intended` (group-rate sends).
  void send_one(std::int64_t intended, std::int64_t now);
  // Counts sequence gaps older than the grace period as lost.
  void expire_gaps(std::int64_t now);
  // Counts the sends still awaiting their ack as errors and stops waiting for them.
  void forget_in_flight();
  // Counts every open sequence gap as lost (the user is leaving for good).
  void close_gaps();

  std::uint32_t index_in_worker = 0;  // kept by the worker for O(1) removal

 private:
  // Connects at the user's next connect slot, or at once if it has come.
  void connect_when_paced();
  void connect_now();
  void on_session_deadline(std::int64_t now);
  // Connects and joins, then goes live; or the session is over.
  net::awaitable<void> connect_session();
  net::awaitable<bool> connect_and_join(bool rejoin);
  net::awaitable<bool> attempt(bool rejoin);
  // Connected and joined: from here on events and deadlines carry the session.
  void go_live();
  // The live connection is gone: reconnect, or end the session.
  void on_disconnected();
  // The session is over: let go of everything and tell the worker.
  void finish();
  // Every WebSocket message: decoded into the worker's frame and handled by phase.
  void on_message(std::string_view payload, bool text) override;
  void on_closed() override;
  void on_peer_close(std::uint16_t code, std::string_view reason) override;
  // Wakes the connecting coroutine from sleep_until().
  void wake();
  // The connecting coroutine sleeps on timer_ (made on first use) until
  // `mono`, or until wake(): the connection brought news (a phase change, a
  // failure, its end) or the session ended.
  net::awaitable<void> sleep_until(std::int64_t mono);
  void on_join_frame(const chat::ServerFrame& frame);
  // The sender: the first slot, then each deadline's step.
  void begin_sender();
  void on_send_deadline(std::int64_t now);
  void open_model_step(std::int64_t now);
  void closed_loop_step(std::int64_t now);
  void schedule_open_model();
  void schedule_closed_loop();
  bool sends_per_user() const;
  // Fixes the session's end now that the run has started; returns when sending stops.
  std::int64_t begin_sending();
  std::int64_t send_end() const;
  void on_frame(const chat::ServerFrame& frame);
  void on_chat_message(const chat::ChatMessage& message, bool replay);
  void on_history(const chat::History& history);
  void on_ack(const chat::Ack& ack);
  void on_error(const chat::Error& error);
  void write(const chat::ClientFrame& frame);
  void wake_closed_loop();
  bool over() const;
  int room_slot(const std::string& room) const;

  struct joined_room {
    std::uint32_t index;
    std::string name;
    sequence_tracker seqs;
  };
  // A sent message awaiting its ack; the ring grows on demand up to max_in_flight.
  struct in_flight {
    std::uint64_t client_seq = 0;
    std::int64_t intended = 0;
    std::int64_t actual = 0;
    std::uint32_t room = 0;
    std::uint32_t flush = 0;  // 1 + the number of the worker's write that carries it; 0: not known
  };
  static constexpr std::size_t max_in_flight = 128;

  // Ordered so that the small fields share words: an agent holds tens of thousands of users.
  worker& home_;
  std::shared_ptr<run_context> run_;
  std::uint64_t slot_, user_;
  std::int64_t session_end_ = std::numeric_limits<std::int64_t>::max();
  std::vector<joined_room> rooms_;
  std::shared_ptr<ws_client> conn_;
  std::string token_;
  std::string failure_;  // why the last connect failed, or what the server refused it with
  std::vector<in_flight> in_flight_;
  std::uint64_t next_client_seq_ = 1;
  std::uint64_t sends_ = 0;
  std::int64_t reconnect_delay_ns_ = -1;  // >= 0: the drop was asked for
  std::unique_ptr<net::steady_timer> timer_;  // while connecting: retries and the server's answers
  deadline_of<virtual_user, &virtual_user::on_session_deadline> session_deadline_{*this};
  deadline_of<virtual_user, &virtual_user::on_send_deadline> send_deadline_{*this};
  std::int64_t next_send_ = 0;  // the next planned slot (mono)
  rng send_random_;
  std::uint32_t outstanding_ = 0;
  std::uint32_t histories_ = 0;
  // Where a session is: what the next frames mean.
  enum class phase : std::uint8_t { welcome, joining, live };
  phase phase_ = phase::welcome;
  enum class session_wait : std::uint8_t { none, backoff, connect_slot };
  session_wait session_wait_ = session_wait::none;
  // The sender's state between deadlines.
  enum class sender_state : std::uint8_t { unstarted, waiting_for_start, sending, done };
  sender_state sender_ = sender_state::unstarted;
  bool refused_ = false;       // the server answered the welcome or a join with an error (in failure_)
  bool rejoin_ = false;        // the next connect rejoins with since_seq
  bool report_ready_ = false;  // the worker waits to hear how the first connect went
  bool awaiting_ack_ = false;  // closed loop: an ack (or a disconnect) moves the sender on
  bool connected_ = false;
  bool connected_once_ = false;
  bool ended_ = false;
};

}  // namespace throng::agent
