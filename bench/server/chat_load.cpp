// chat_load: a lean load generator for benchmarking throng-server itself.
// One thread, one io_context. Connections are spoken to at the byte level,
// the upgrade included: sends are pre-masked WebSocket frames
// (mask key 0) appended to one buffer per connection and written with one
// system call per tick; reads count deliveries by walking the protobuf wire
// format without building messages. That keeps the client cheaper per
// message than the server it measures.
//
//   chat_load --port P --mode fanout|ingest|idle|connect [options]   (--help)

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chat.pb.h"
#include "throng/common/clock.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/histogram.hpp"
#include "throng/common/net.hpp"
#include "throng/common/token.hpp"
#include "throng/common/ws_handshake.hpp"

namespace {

using namespace throng;

struct options {
  unsigned short port = 8080;
  std::vector<unsigned short> extra_ports;  // more instances: connection i uses port i mod (1 + extra)
  std::string mode = "fanout";
  unsigned rooms = 1;
  unsigned members = 1000;      // receivers per room (fanout)
  unsigned senders = 1;         // sending connections per room
  double rate = 1000;           // sends/s over all senders
  double duration_s = 10;
  unsigned body_bytes = 150;
  bool json = false;            // text frames, no batch capability
  unsigned connections = 1000;  // idle / connect modes
  unsigned window = 256;        // connection setups in flight
  std::string secret = "bench-secret";
  bool spin = false;            // poll without sleeping (setup included), so the server's writes never wake this process
  double hold_s = 5;            // idle mode: how long to hold the connections
};

// ---- wire helpers ------------------------------------------------------------

// A masked client frame with mask key 0 (payload bytes unchanged).
void append_ws_frame(std::string& out, std::string_view payload, bool text) {
  out.push_back(static_cast<char>(0x80 | (text ? 0x1 : 0x2)));
  const auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  out.append(4, '\0');
  out.append(payload);
}

bool read_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    const unsigned char b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

struct frame_counts {
  std::uint64_t messages = 0, acks = 0, other = 0;
};

// The latency samples of the measured window: every delivery's e2e, and per
// message (keyed by its send stamp) the slowest of its deliveries, recorded
// once every receiver has it: the room's last member.
struct delivery_sampler {
  histogram e2e;
  histogram last_member;
  std::uint64_t receivers = 0;  // per message
  std::unordered_map<std::int64_t, std::pair<std::int64_t, std::uint64_t>> open;  // stamp -> (slowest, seen)

  void record(std::int64_t sent_at, std::int64_t now) {
    const std::int64_t latency = now - sent_at;
    e2e.record(latency);
    if (receivers <= 1) return;  // ingest: no room to wait for
    auto& [slowest, seen] = open[sent_at];
    slowest = std::max(slowest, latency);
    if (++seen == receivers) {
      last_member.record(slowest);
      open.erase(sent_at);
    }
  }
};

// ChatMessage.sent_at_ns is field 5 (varint).
std::int64_t sent_at_of(const unsigned char* p, const unsigned char* end) {
  while (p < end) {
    std::uint64_t key;
    if (!read_varint(p, end, key)) return 0;
    const auto field = key >> 3, type = key & 7;
    std::uint64_t v;
    if (type == 0) {
      if (!read_varint(p, end, v)) return 0;
      if (field == 5) return static_cast<std::int64_t>(v);
    } else if (type == 2) {
      if (!read_varint(p, end, v) || v > static_cast<std::uint64_t>(end - p)) return 0;
      p += v;
    } else {
      return 0;
    }
  }
  return 0;
}

// Counts a binary ServerFrame (message = 4, ack = 3, batch = 8 of frames = 1).
void count_binary(const unsigned char* p, const unsigned char* end, frame_counts& c, delivery_sampler* e2e,
                  std::int64_t now) {
  while (p < end) {
    std::uint64_t key, len;
    if (!read_varint(p, end, key) || (key & 7) != 2 || !read_varint(p, end, len) ||
        len > static_cast<std::uint64_t>(end - p))
      return;
    const auto field = key >> 3;
    if (field == 8) {
      // Batch: repeated ServerFrame frames = 1.
      const unsigned char* q = p;
      const unsigned char* qend = p + len;
      while (q < qend) {
        std::uint64_t k2, l2;
        if (!read_varint(q, qend, k2) || !read_varint(q, qend, l2) || l2 > static_cast<std::uint64_t>(qend - q)) break;
        count_binary(q, q + l2, c, e2e, now);
        q += l2;
      }
    } else if (field == 4) {
      ++c.messages;
      if (e2e) e2e->record(sent_at_of(p, p + len), now);
    } else if (field == 3) {
      ++c.acks;
    } else {
      ++c.other;
    }
    p += len;
  }
}

void count_json(std::string_view text, frame_counts& c, delivery_sampler* e2e, std::int64_t now) {
  if (text.starts_with("{\"message\"")) {
    ++c.messages;
    if (e2e) {
      const auto at = text.find("\"sent_at_ns\":\"");
      if (at != std::string_view::npos) e2e->record(std::atoll(text.data() + at + 14), now);
    }
  } else if (text.starts_with("{\"ack\"")) {
    ++c.acks;
  } else {
    ++c.other;
  }
}

// ---- connections -------------------------------------------------------------

struct connection {
  tcp::socket socket;
  std::vector<unsigned char> in;  // unparsed bytes
  std::size_t in_used = 0;
  std::string out, writing;
  std::string fragments;  // a fragmented message so far
  int fragmented_opcode = 0;
  bool write_busy = false;
  bool json = false;
  std::string room;
  std::uint64_t next_client_seq = 1;
  frame_counts counts;
  // Small while setting up (replies to the upgrade, hello and join); read_loop grows it.
  explicit connection(net::any_io_executor ex) : socket(ex), in(2048) {}
};

// What one connection's setup sends: its hello frame and the rooms it joins.
struct setup_plan {
  std::string hello;
  std::vector<std::string> rooms;
};

struct load {
  explicit load(options o) : opt(std::move(o)) {}
  options opt;
  std::uint64_t key_state = 0x9e3779b97f4a7c15ULL;  // Sec-WebSocket-Key nonces
  net::io_context io{1};
  std::vector<std::shared_ptr<connection>> conns;
  delivery_sampler samples;
  frame_counts totals;
  bool measuring = false;
  std::uint64_t setup_failures = 0;
  std::string first_failure;  // what went wrong with the first connection that could not be set up

  bool failed(std::string what) {
    if (first_failure.empty()) first_failure = std::move(what);
    return false;
  }

  std::string client_frame(const chat::ClientFrame& f, bool json) const {
    std::string payload = json ? encode_frame(f, wire_format::json) : f.SerializeAsString();
    std::string out;
    append_ws_frame(out, payload, json);
    return out;
  }

  // Parses whole WebSocket frames from c.in; returns false on a close frame.
  bool parse(connection& c) {
    std::size_t pos = 0;
    const std::int64_t now = wall_ns();
    while (c.in_used - pos >= 2) {
      const unsigned char* h = c.in.data() + pos;
      const int opcode = h[0] & 0x0f;
      std::uint64_t len = h[1] & 0x7f;
      std::size_t header = 2;
      if (len == 126) {
        if (c.in_used - pos < 4) break;
        len = (std::uint64_t(h[2]) << 8) | h[3];
        header = 4;
      } else if (len == 127) {
        if (c.in_used - pos < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
        header = 10;
      }
      if (c.in_used - pos < header + len) {
        if (header + len > c.in.size()) c.in.resize(header + len + 1024);
        break;
      }
      const unsigned char* payload = h + header;
      const bool fin = h[0] & 0x80;
      pos += header + len;
      if (opcode == 0x8) return false;
      if (opcode >= 0x8) continue;  // ping/pong
      int message_opcode = opcode;
      if (!fin || opcode == 0x0) {
        // Fragments: collect until the final one.
        if (opcode != 0x0) c.fragmented_opcode = opcode;
        c.fragments.append(reinterpret_cast<const char*>(payload), len);
        if (!fin) continue;
        message_opcode = c.fragmented_opcode;
        payload = reinterpret_cast<const unsigned char*>(c.fragments.data());
        len = c.fragments.size();
      }
      delivery_sampler* sample = measuring ? &samples : nullptr;
      if (message_opcode == 0x2) count_binary(payload, payload + len, c.counts, sample, now);
      else if (message_opcode == 0x1)
        count_json(std::string_view(reinterpret_cast<const char*>(payload), len), c.counts, sample, now);
      if (!fin || opcode == 0x0) c.fragments.clear();
    }
    if (pos) {
      std::memmove(c.in.data(), c.in.data() + pos, c.in_used - pos);
      c.in_used -= pos;
    }
    return true;
  }

  net::awaitable<void> read_loop(std::shared_ptr<connection> c) {
    if (c->in.size() < 16 * 1024) c->in.resize(16 * 1024);
    for (;;) {
      if (c->in.size() - c->in_used < 4096) c->in.resize(c->in.size() * 2);
      auto [ec, n] = co_await c->socket.async_read_some(
          net::buffer(c->in.data() + c->in_used, c->in.size() - c->in_used), use_nothrow);
      if (ec) co_return;
      c->in_used += n;
      if (!parse(*c)) co_return;
    }
  }

  void flush(const std::shared_ptr<connection>& c) {
    if (c->write_busy || c->out.empty()) return;
    c->write_busy = true;
    c->writing.swap(c->out);
    c->out.clear();
    net::async_write(c->socket, net::buffer(c->writing), [this, c](error_code ec, std::size_t) {
      c->write_busy = false;
      c->writing.clear();
      if (!ec) flush(c);
    });
  }

  // Reads until one more frame that is neither a message nor an ack arrives
  // (the welcome after hello, the history after join).
  net::awaitable<bool> await_reply(connection& c) {
    const auto before = c.counts.other;
    while (c.counts.other == before) {
      auto [ec, n] = co_await c.socket.async_read_some(net::buffer(c.in.data() + c.in_used, c.in.size() - c.in_used),
                                                       use_nothrow);
      if (ec) co_return false;
      c.in_used += n;
      if (!parse(c)) co_return false;
    }
    co_return true;
  }

  // Runs the loop until its work is done; with --spin without ever sleeping in the kernel.
  void run_io() {
    io.restart();
    if (opt.spin) {
      while (!io.stopped()) io.poll();
    } else {
      io.run();
    }
  }

  // Reads into c.in until the upgrade response's head is complete; leaves what follows it there.
  net::awaitable<std::string> read_upgrade_response(connection& c, std::string_view key) {
    for (;;) {
      const std::string_view got(reinterpret_cast<const char*>(c.in.data()), c.in_used);
      if (const auto end = got.find("\r\n\r\n"); end != std::string_view::npos) {
        std::string refusal = ws::upgrade_refusal(got.substr(0, end + 2), key);
        std::memmove(c.in.data(), c.in.data() + end + 4, c.in_used - end - 4);
        c.in_used -= end + 4;
        co_return refusal;
      }
      if (c.in_used == c.in.size()) co_return "oversized HTTP response";
      auto [ec, n] = co_await c.socket.async_read_some(net::buffer(c.in.data() + c.in_used, c.in.size() - c.in_used),
                                                       use_nothrow);
      if (ec) co_return ec.message();
      c.in_used += n;
    }
  }

  // Connect, upgrade, hello (+ welcome), join (+ history). The upgrade is
  // written by hand: a Beast stream per connection (its allocations and
  // parser) cost this core more than the socket calls, and the core is
  // better spent on the connections it measures.
  net::awaitable<bool> setup(std::shared_ptr<connection> c, const setup_plan& plan, unsigned short port) {
    auto [cec] = co_await c->socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_nothrow);
    if (cec) co_return failed(fmt::format("connect to 127.0.0.1:{}: {} (is throng-server running there?)", port, cec.message()));
    c->socket.set_option(tcp::no_delay(true));
    const std::string key = ws::client_key(key_state);
    c->out = ws::upgrade_request(fmt::format("127.0.0.1:{}", port), "/ws", key, "chat_load");
    auto [uec, un] = co_await net::async_write(c->socket, net::buffer(c->out), use_nothrow);
    if (uec) co_return failed(fmt::format("WebSocket upgrade at 127.0.0.1:{}/ws: {}", port, uec.message()));
    if (const std::string refusal = co_await read_upgrade_response(*c, key); !refusal.empty())
      co_return failed(fmt::format("WebSocket upgrade at 127.0.0.1:{}/ws: {}", port, refusal));
    c->json = opt.json;
    if (!plan.rooms.empty()) c->room = plan.rooms.front();
    c->out = plan.hello;
    auto [wec, wn] = co_await net::async_write(c->socket, net::buffer(c->out), use_nothrow);
    c->out.clear();
    if (wec || !co_await await_reply(*c))
      co_return failed("no welcome after hello (is --secret the server's --test-token-secret?)");
    for (const auto& room : plan.rooms) {
      chat::ClientFrame join;
      join.mutable_join()->set_room(room);
      c->out = client_frame(join, opt.json);
      auto [jec, jn] = co_await net::async_write(c->socket, net::buffer(c->out), use_nothrow);
      c->out.clear();
      if (jec || !co_await await_reply(*c)) co_return failed(fmt::format("no history after joining {}", room));
    }
    co_return true;
  }

  // Sets up `count` connections, `window` at a time; returns the seconds it
  // took. The hello frames (each a freshly minted token) are made before the
  // clock starts: minting is the generator's work, checking them the server's.
  using who_fn = std::function<std::pair<std::string, std::vector<std::string>>(unsigned)>;
  double connect_all(unsigned count, const who_fn& who) {
    std::vector<setup_plan> plans(count);
    const auto now_s = wall_ns() / 1'000'000'000;
    for (unsigned i = 0; i < count; ++i) {
      auto [user, rooms] = who(i);
      chat::ClientFrame hello;
      hello.mutable_hello()->set_token(issue_token(user, 3600, opt.secret, now_s));
      if (!opt.json) hello.mutable_hello()->add_capabilities("batch");
      plans[i] = {client_frame(hello, opt.json), std::move(rooms)};
    }
    const auto start = mono_ns();
    auto next = std::make_shared<unsigned>(0);
    auto worker = [this, count, next, &plans]() -> net::awaitable<void> {
      while (*next < count) {
        const unsigned i = (*next)++;
        auto c = std::make_shared<connection>(io.get_executor());
        const unsigned short port = i % (1 + opt.extra_ports.size()) == 0
                                        ? opt.port
                                        : opt.extra_ports[i % (1 + opt.extra_ports.size()) - 1];
        if (co_await setup(c, plans[i], port)) conns[i] = c;  // by index: senders are the last ones
        else ++setup_failures;
      }
    };
    conns.assign(count, nullptr);
    for (unsigned w = 0; w < opt.window; ++w) net::co_spawn(io, worker(), net::detached);
    run_io();
    std::erase(conns, nullptr);
    return (mono_ns() - start) * 1e-9;
  }

  void print_conditions() const {
    std::printf("conditions: instances=%zu mode=%s rooms=%u members/room=%u senders=%s rate=%.0f/s duration=%.0fs body=%uB %s\n",
                1 + opt.extra_ports.size(), opt.mode.c_str(), opt.rooms, opt.mode == "ingest" ? 0 : opt.members,
                opt.mode == "ingest" ? fmt::format("{} connections over all rooms", std::min(opt.connections, opt.rooms)).c_str()
                                     : fmt::format("{}/room", opt.senders).c_str(),
                opt.rate, opt.duration_s, opt.body_bytes,
                opt.json ? "json (one frame per message)" : "binary (batch)");
  }

  int run_traffic() {
    // fanout: `members` receivers and `senders` senders per room, each in one room.
    // ingest: `connections` senders sharing the rooms round-robin, no other receivers.
    const bool ingest = opt.mode == "ingest";
    const unsigned per_room = ingest ? 0 : opt.members;
    samples.receivers = per_room + (ingest ? 1 : opt.senders);  // the senders are members too
    const unsigned total_receivers = opt.rooms * per_room;
    const unsigned sender_count = ingest ? std::min(opt.connections, opt.rooms) : opt.rooms * opt.senders;
    connect_all(total_receivers + sender_count, [&](unsigned i) -> std::pair<std::string, std::vector<std::string>> {
      std::vector<std::string> rooms;
      if (i < total_receivers) {
        rooms.push_back(fmt::format("bench-{}", i / per_room));
      } else if (ingest) {
        for (unsigned r = i - total_receivers; r < opt.rooms; r += sender_count) rooms.push_back(fmt::format("bench-{}", r));
      } else {
        rooms.push_back(fmt::format("bench-{}", (i - total_receivers) % opt.rooms));
      }
      return {fmt::format("load-{}", i), rooms};
    });
    std::vector<std::shared_ptr<connection>> senders(conns.end() - std::min<std::size_t>(conns.size(), sender_count), conns.end());
    std::printf("connected: %zu (failures %llu)\n", conns.size(), static_cast<unsigned long long>(setup_failures));
    // A run with members or senders missing would measure another load than the one asked for.
    if (setup_failures) {
      std::fprintf(stderr, "chat_load: %llu of %u connections could not be set up; the first: %s\n",
                   static_cast<unsigned long long>(setup_failures), total_receivers + sender_count, first_failure.c_str());
      reset_all();
      return 1;
    }
    for (auto& c : conns) {
      c->counts = {};
      net::co_spawn(io, read_loop(c), net::detached);
    }

    // Paced sends: every millisecond, the sends due by now go out, spread
    // round-robin over the senders, one write per sender per tick.
    std::vector<std::string> room_names;
    for (unsigned r = 0; r < opt.rooms; ++r) room_names.push_back(fmt::format("bench-{}", r));
    chat::ClientFrame frame;
    auto* send = frame.mutable_send();
    send->set_body(std::string(opt.body_bytes, 'x'));
    const std::int64_t start = mono_ns();
    const std::int64_t end = start + static_cast<std::int64_t>(opt.duration_s * 1e9);
    const std::int64_t warmup_end = start + 1'000'000'000;
    std::uint64_t sent = 0, sent_measured = 0;
    std::size_t next_sender = 0;
    frame_counts at_warmup;
    net::steady_timer tick(io);
    std::function<void(error_code)> on_tick = [&](error_code) {
      const std::int64_t now = mono_ns();
      if (!measuring && now >= warmup_end) {
        measuring = true;
        for (auto& c : conns) {
          at_warmup.messages += c->counts.messages;
          at_warmup.acks += c->counts.acks;
        }
        sent_measured = sent;
      }
      if (now < end) {
        const auto due = static_cast<std::uint64_t>((now - start) * 1e-9 * opt.rate);
        for (; sent < due; ++sent) {
          const std::size_t room = next_sender++ % opt.rooms;
          auto& c = senders[room % senders.size()];
          send->set_room(room_names[room]);
          send->set_client_seq(c->next_client_seq++);
          send->set_sent_at_ns(wall_ns());
          std::string payload = opt.json ? encode_frame(frame, wire_format::json) : frame.SerializeAsString();
          append_ws_frame(c->out, payload, opt.json);
        }
        for (auto& c : senders) flush(c);
        tick.expires_after(std::chrono::milliseconds(1));
        tick.async_wait(on_tick);
      } else {
        // Drain: give in-flight deliveries a second, then stop.
        tick.expires_after(std::chrono::seconds(1));
        tick.async_wait([&](error_code) {
          reset_all();
        });
      }
    };
    tick.expires_after(std::chrono::milliseconds(1));
    tick.async_wait(on_tick);
    run_io();

    for (auto& c : conns) {
      totals.messages += c->counts.messages;
      totals.acks += c->counts.acks;
    }
    const double window_s = opt.duration_s - 1;
    const std::uint64_t measured_sends = sent - sent_measured;
    const std::uint64_t deliveries = totals.messages - at_warmup.messages;
    const std::uint64_t receivers_per_message = per_room + (ingest ? 1 : opt.senders);
    print_conditions();
    std::printf("sent: %llu  acked: %llu  delivered: %llu  expected: %llu\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(totals.acks), static_cast<unsigned long long>(totals.messages),
                static_cast<unsigned long long>(sent * receivers_per_message));
    std::printf("measured window (after 1 s warm-up): %.0f sends/s offered, %.0f acks/s, %.0f deliveries/s\n",
                measured_sends / window_s, (totals.acks - at_warmup.acks) / window_s, deliveries / window_s);
    const auto& e2e = samples.e2e;
    std::printf("e2e (send stamp -> parsed by this client, includes the client's own queueing): p50 %.3f ms  p99 %.3f ms  "
                "p99.9 %.3f ms  max %.3f ms\n",
                e2e.percentile(50) / 1e6, e2e.percentile(99) / 1e6, e2e.percentile(99.9) / 1e6, e2e.percentile(100) / 1e6);
    const auto& last = samples.last_member;
    if (!ingest && last.count())
      std::printf("last member e2e (per message, its slowest delivery; %llu messages, %zu not complete at the window's"
                  " edges): p50 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                  static_cast<unsigned long long>(last.count()), samples.open.size(), last.percentile(50) / 1e6,
                  last.percentile(99) / 1e6, last.percentile(100) / 1e6);
    return 0;
  }

  // Ends every connection with a reset, not a close: a closing client keeps
  // its port in TIME_WAIT for a minute, and the next run's connects to the
  // same server would have to search past thousands of them (a run right
  // after another connected at half the rate of one on fresh ports).
  void reset_all() {
    for (auto& c : conns) {
      if (!c) continue;
      error_code ignored;
      c->socket.set_option(net::socket_base::linger(true, 0), ignored);
      c->socket.close(ignored);
    }
  }

  int run_idle() {
    const double took = connect_all(opt.connections, [&](unsigned i) -> std::pair<std::string, std::vector<std::string>> {
      return {fmt::format("idle-{}", i), {}};
    });
    std::printf("conditions: mode=%s connections=%u (hello done, no rooms) window=%u\n", opt.mode.c_str(), opt.connections,
                opt.window);
    std::printf("connected: %zu in %.2f s = %.0f connections/s (failures %llu)\n", conns.size(), took, conns.size() / took,
                static_cast<unsigned long long>(setup_failures));
    std::fflush(stdout);
    if (setup_failures)
      std::fprintf(stderr, "chat_load: %llu of %u connections could not be set up; the first: %s\n",
                   static_cast<unsigned long long>(setup_failures), opt.connections, first_failure.c_str());
    if (opt.mode == "idle") {
      // Hold them while the caller measures the server's memory.
      std::ofstream("/dev/stderr") << "holding\n";
      net::steady_timer hold(io, std::chrono::milliseconds(static_cast<long>(opt.hold_s * 1000)));
      hold.async_wait([](error_code) {});
      io.restart();
      io.run();
    }
    reset_all();
    return setup_failures ? 1 : 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"chat_load: load generator for benchmarking throng-server"};
  app.add_option("--port", opt.port, "server port on 127.0.0.1")->required();
  app.add_option("--extra-port", opt.extra_ports, "more server instances (repeatable): connections alternate over the ports");
  app.add_option("--mode", opt.mode, "fanout | ingest | idle | connect")
      ->check(CLI::IsMember({"fanout", "ingest", "idle", "connect"}));
  app.add_option("--rooms", opt.rooms)->capture_default_str();
  app.add_option("--members", opt.members, "receivers per room (fanout)")->capture_default_str();
  app.add_option("--senders", opt.senders, "sending connections per room")->capture_default_str();
  app.add_option("--rate", opt.rate, "sends/s over all senders")->capture_default_str();
  app.add_option("--duration", opt.duration_s, "seconds, the first one is warm-up")->capture_default_str();
  app.add_option("--body", opt.body_bytes, "body bytes")->capture_default_str();
  app.add_flag("--json", opt.json, "JSON text frames, no batch capability");
  app.add_option("--connections", opt.connections, "idle/connect modes")->capture_default_str();
  app.add_option("--window", opt.window, "connection setups in flight")->capture_default_str();
  app.add_option("--secret", opt.secret, "the server's --test-token-secret")->capture_default_str();
  app.add_flag("--spin", opt.spin, "poll without ever sleeping: the server's writes need not wake the load generator");
  app.add_option("--hold", opt.hold_s, "idle mode: seconds to hold the connections")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  raise_open_file_limit();
  load l(opt);
  if (opt.mode == "idle" || opt.mode == "connect") return l.run_idle();
  return l.run_traffic();
}
