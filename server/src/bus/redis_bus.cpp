#include "redis_bus.hpp"

#include <openssl/sha.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "redis_connection.hpp"
#include "throng/common/log.hpp"
#include "throng/common/net.hpp"

namespace throng::server {
namespace {

// KEYS[1]: the room's stream. ARGV[1]: the caller's floor, ARGV[2]: the
// stream length to keep, ARGV[3..]: payloads. Numbers them after the
// stream's newest entry (or the floor, if higher: a stream Redis lost must
// not restart at 1) and returns the first seq. Atomic: Redis runs one script at a time.
constexpr const char* publish_script = R"lua(
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then last = tonumber(string.match(top[1][1], '^(%d+)')) end
local floor = tonumber(ARGV[1])
if floor > last then last = floor end
local first = last + 1
for i = 3, #ARGV do
  last = last + 1
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], string.format('%d-0', last), 'm', ARGV[i])
end
return first
)lua";

constexpr std::size_t max_entries_per_read = 1000;
constexpr int block_ms = 1000;

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  for (unsigned char c : digest) hex += fmt::format("{:02x}", c);
  return hex;
}

std::uint64_t entry_seq(std::string_view id) {
  std::uint64_t seq = 0;
  std::from_chars(id.data(), id.data() + id.size(), seq);  // stops at '-'
  return seq;
}

// An XRANGE/XREAD entry: [id, [field, value, ...]].
std::optional<bus_entry> read_entry(resp::value& e) {
  if (e.type != resp::value::kind::array || e.elements.size() != 2) return std::nullopt;
  auto& fields = e.elements[1].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i].text == "m") return bus_entry{entry_seq(e.elements[0].text), std::move(fields[i + 1].text)};
  return std::nullopt;
}

}  // namespace

redis_bus_options parse_redis_url(const std::string& url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme))
    throw std::runtime_error(fmt::format("--bus '{}' is not a bus; use local or redis://host:port", url));
  redis_bus_options options;
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    rest.erase(0, at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string::npos)
      throw std::runtime_error("--bus: write the password as redis://:password@host:port (or redis://user:password@host:port)");
    options.username = userinfo.substr(0, colon);
    options.password = userinfo.substr(colon + 1);
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    unsigned port = 0;
    const auto p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
      throw std::runtime_error(fmt::format("--bus '{}': the port must be a number from 1 to 65535", url));
    options.port = static_cast<unsigned short>(port);
    rest.resize(colon);
  }
  if (rest.empty()) throw std::runtime_error(fmt::format("--bus '{}' names no host (redis://host:port)", url));
  options.host = rest;
  return options;
}

std::vector<std::string> auth_command(const redis_bus_options& options) {
  if (options.password.empty()) return {};
  if (options.username.empty()) return {"AUTH", options.password};
  return {"AUTH", options.username, options.password};
}

struct redis_bus::impl : std::enable_shared_from_this<impl> {
  struct outgoing_batch {
    std::uint64_t floor = 0;
    std::vector<std::string> payloads;
    std::vector<published_fn> done;
  };

  redis_bus_options options;
  deliver_fn deliver;
  std::string script_sha = sha1_hex(publish_script);
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  std::shared_ptr<redis_connection> commands;
  std::shared_ptr<redis_connection> reader;
  net::steady_timer retry_timer{io};
  net::steady_timer unblock_timer{io};
  std::thread thread;

  // Bus thread only.
  std::unordered_map<std::string, std::uint64_t> rooms;  // subscribed room -> last seq delivered
  std::unordered_map<std::string, outgoing_batch> outgoing;
  std::vector<std::string> outgoing_order;
  std::size_t publishes_in_flight = 0;
  std::int64_t reader_id = -1;
  bool read_in_flight = false;
  bool rooms_changed = false;
  bool stopped = false;
  std::uint64_t failures_logged = 0;

  std::atomic<std::uint64_t> published{0}, publish_failures{0}, received{0}, subscribed_rooms{0}, round_trips{0};
  std::atomic<bool> connected{false};
  net::steady_timer status_timer{io};

  impl(redis_bus_options o, deliver_fn d) : options(std::move(o)), deliver(std::move(d)) {
    commands = std::make_shared<redis_connection>(io, options.host, options.port, "bus");
    reader = std::make_shared<redis_connection>(io, options.host, options.port, "bus reader");
  }

  std::string key(const std::string& room) const { return options.key_prefix + room; }

  // AUTH goes first on every (re)connect; a refusal is logged, and the commands after it fail.
  void authenticate(redis_connection& c) {
    auto auth = auth_command(options);
    if (auth.empty()) return;
    c.call(std::move(auth), [](resp::value& v) {
      if (v.is_error()) log_error("bus: Redis refused the credentials of --bus: {}", v.text);
    });
  }

  void start() {
    commands->start([this] {
      authenticate(*commands);
      commands->call({"SCRIPT", "LOAD", publish_script}, [this](resp::value& v) {
        if (v.is_error() || v.text != script_sha) log_error("bus: Redis did not load the publish script: {}", v.text);
      });
    });
    watch_status();
    reader->start([this] {
      authenticate(*reader);
      reader->call({"CLIENT", "ID"}, [this](resp::value& v) {
        if (v.type != resp::value::kind::integer) return;
        reader_id = v.integer;
        read_next();
      });
    });
  }

  // For /metrics: both connections up.
  void watch_status() {
    connected = commands->connected() && reader->connected();
    status_timer.expires_after(std::chrono::milliseconds(250));
    status_timer.async_wait([this](error_code ec) {
      if (!ec && !stopped) watch_status();
    });
  }

  void stop() {
    stopped = true;
    status_timer.cancel();
    retry_timer.cancel();
    unblock_timer.cancel();
    commands->stop();
    reader->stop();
    work.reset();
    // The failures just handed to callbacks run first; then the loop ends whatever is left.
    net::post(io, [this] { io.stop(); });
  }

  // --- publishing: everything queued in one turn goes out as one script call per room ---
  void queue_publish(const std::string& room, std::string payload, std::uint64_t floor, published_fn done) {
    auto [it, created] = outgoing.try_emplace(room);
    if (created) outgoing_order.push_back(room);
    auto& batch = it->second;
    batch.floor = std::max(batch.floor, floor);
    batch.payloads.push_back(std::move(payload));
    batch.done.push_back(std::move(done));
    // Nagle-like: while script calls are in flight, sends gather into bigger batches.
    if (outgoing_order.size() == 1 && created && publishes_in_flight == 0)
      net::post(io, [self = shared_from_this()] { self->flush(); });
  }

  void flush() {
    for (const auto& room : outgoing_order) {
      auto node = outgoing.extract(room);
      auto batch = std::make_shared<outgoing_batch>(std::move(node.mapped()));
      std::vector<std::string> args{"EVALSHA", script_sha, "1", key(room), std::to_string(batch->floor),
                                    std::to_string(options.stream_length)};
      for (auto& p : batch->payloads) args.push_back(std::move(p));
      round_trips.fetch_add(1, std::memory_order_relaxed);
      ++publishes_in_flight;
      commands->call(std::move(args), [this, batch, room](resp::value& v) {
        if (--publishes_in_flight == 0 && !outgoing_order.empty()) flush();
        if (v.type == resp::value::kind::integer && v.integer > 0) {
          published.fetch_add(batch->done.size(), std::memory_order_relaxed);
          for (std::size_t i = 0; i < batch->done.size(); ++i)
            batch->done[i](static_cast<std::uint64_t>(v.integer) + i);
          return;
        }
        publish_failures.fetch_add(batch->done.size(), std::memory_order_relaxed);
        if (failures_logged++ % 1000 == 0)
          log_error("bus: cannot publish to room {}: {} (senders get UNAVAILABLE)", room, v.text);
        for (auto& done : batch->done) done(std::nullopt);
      });
    }
    outgoing_order.clear();
  }

  // --- subscribing ---
  void do_subscribe(const std::string& room, std::size_t recent, subscribed_fn done) {
    commands->call({"XREVRANGE", key(room), "+", "-", "COUNT", std::to_string(std::max<std::size_t>(recent, 1))},
                   [this, room, done = std::move(done)](resp::value& v) mutable {
                     if (v.type != resp::value::kind::array) {
                       done(std::nullopt);
                       return;
                     }
                     bus_room_snapshot snapshot;
                     auto entries = v.elements;
                     for (auto it = entries.rbegin(); it != entries.rend(); ++it)
                       if (auto e = read_entry(*it)) snapshot.recent.push_back(std::move(*e));
                     if (!snapshot.recent.empty()) snapshot.last_seq = snapshot.recent.back().seq;
                     rooms[room] = snapshot.last_seq;
                     subscribed_rooms = rooms.size();
                     done(std::move(snapshot));
                     rooms_changed = true;
                     wake_reader();
                   });
  }

  void do_read_after(const std::string& room, std::uint64_t after_seq, std::size_t limit,
                     std::function<void(std::optional<std::vector<bus_entry>>)> done) {
    commands->call({"XREVRANGE", key(room), "+", fmt::format("({}-0", after_seq), "COUNT", std::to_string(limit)},
                   [done = std::move(done)](resp::value& v) {
                     if (v.type != resp::value::kind::array) {
                       done(std::nullopt);
                       return;
                     }
                     std::vector<bus_entry> entries;
                     for (auto it = v.elements.rbegin(); it != v.elements.rend(); ++it)
                       if (auto e = read_entry(*it)) entries.push_back(std::move(*e));
                     done(std::move(entries));
                   });
  }

  void do_unsubscribe(const std::string& room) {
    rooms.erase(room);  // a read in flight may still return it: dropped in dispatch
    subscribed_rooms = rooms.size();
  }

  // --- reading: one XREAD at a time over every subscribed room ---
  void read_next() {
    if (read_in_flight || stopped || reader_id < 0 || !reader->connected() || rooms.empty()) return;
    std::vector<std::string> args{"XREAD", "COUNT", std::to_string(max_entries_per_read), "BLOCK",
                                  std::to_string(block_ms), "STREAMS"};
    args.reserve(args.size() + 2 * rooms.size());
    for (const auto& [room, last] : rooms) args.push_back(key(room));
    for (const auto& [room, last] : rooms) args.push_back(fmt::format("{}-0", last));
    read_in_flight = true;
    rooms_changed = false;
    reader->call(std::move(args), [this](resp::value& v) {
      read_in_flight = false;
      if (v.is_error()) {
        if (!reader->connected()) return;  // the reconnect reads again
        log_error("bus: XREAD failed: {}", v.text);
        retry_timer.expires_after(std::chrono::milliseconds(200));
        retry_timer.async_wait([this](error_code ec) {
          if (!ec) read_next();
        });
        return;
      }
      if (v.type == resp::value::kind::array) dispatch(v);
      read_next();
    });
  }

  void dispatch(resp::value& streams) {
    for (auto& stream : streams.elements) {
      if (stream.elements.size() != 2) continue;
      const std::string room = stream.elements[0].text.substr(options.key_prefix.size());
      auto it = rooms.find(room);
      if (it == rooms.end()) continue;
      for (auto& raw : stream.elements[1].elements) {
        auto e = read_entry(raw);
        if (!e || e->seq <= it->second) continue;  // already delivered
        it->second = e->seq;
        received.fetch_add(1, std::memory_order_relaxed);
        deliver(room, e->seq, std::move(e->payload));
      }
    }
  }

  // A blocked XREAD holds the old set of rooms: unblock it so the new room is read at once.
  void wake_reader() {
    if (!read_in_flight) {
      read_next();
      return;
    }
    if (reader_id < 0 || !commands->connected()) return;
    commands->call({"CLIENT", "UNBLOCK", std::to_string(reader_id)}, [this](resp::value& v) {
      // 0: the XREAD had not blocked yet; try again shortly while it still holds the old set.
      if (v.type == resp::value::kind::integer && v.integer == 0 && read_in_flight && rooms_changed) {
        unblock_timer.expires_after(std::chrono::milliseconds(2));
        unblock_timer.async_wait([this](error_code ec) {
          if (!ec && rooms_changed) wake_reader();
        });
      }
    });
  }
};

redis_bus::redis_bus(redis_bus_options options, deliver_fn deliver)
    : impl_(std::make_shared<impl>(std::move(options), std::move(deliver))) {}

redis_bus::~redis_bus() { stop(); }

void redis_bus::start() {
  {
    // Fail at start, with the address, rather than serve with a bus that never comes.
    net::io_context probe;
    tcp::socket socket(probe);
    error_code ec;
    tcp::resolver resolver(probe);
    const auto& o = impl_->options;
    auto endpoints = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (!ec) net::connect(socket, endpoints, ec);
    if (ec)
      throw std::runtime_error(fmt::format("cannot reach Redis at {}:{} (--bus): {}; start redis-server there or fix the URL",
                                           o.host, o.port, ec.message()));
    // The credentials too: a wrong password is a mistake to report now, not a stream of UNAVAILABLEs.
    const timeval answer_within{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &answer_within, sizeof answer_within);
    std::string out;
    const auto auth = auth_command(o);
    if (!auth.empty()) resp::append_command(out, auth);
    resp::append_command(out, {"PING"});
    net::write(socket, net::buffer(out), ec);
    std::string in;
    char chunk[4096];
    const std::size_t expected = auth.empty() ? 1 : 2;
    std::vector<resp::value> replies;
    while (!ec && replies.size() < expected) {
      in.append(chunk, socket.read_some(net::buffer(chunk), ec));
      resp::value v;
      std::size_t used = 0;
      while (replies.size() < expected && resp::parse(in, v, used) == resp::parse_status::complete) {
        replies.push_back(std::move(v));
        in.erase(0, used);
      }
    }
    if (ec) throw std::runtime_error(fmt::format("Redis at {}:{} (--bus) did not answer: {}", o.host, o.port, ec.message()));
    for (const auto& r : replies)
      if (r.is_error())
        throw std::runtime_error(fmt::format("Redis at {}:{} refused us (--bus): {}{}", o.host, o.port, r.text,
                                             r.text.starts_with("NOAUTH") ? "; give the password as redis://:password@host:port"
                                                                          : ""));
  }
  net::post(impl_->io, [self = impl_] { self->start(); });
  impl_->thread = std::thread([self = impl_] { self->io.run(); });
}

void redis_bus::stop() {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->io, [self = impl_] { self->stop(); });
  impl_->thread.join();
}

void redis_bus::publish(const std::string& room, std::string payload, std::uint64_t floor, published_fn done) {
  net::post(impl_->io, [self = impl_, room, payload = std::move(payload), floor, done = std::move(done)]() mutable {
    self->queue_publish(room, std::move(payload), floor, std::move(done));
  });
}

void redis_bus::subscribe(const std::string& room, std::size_t recent, subscribed_fn done) {
  net::post(impl_->io, [self = impl_, room, recent, done = std::move(done)]() mutable {
    self->do_subscribe(room, recent, std::move(done));
  });
}

void redis_bus::read_after(const std::string& room, std::uint64_t after_seq, std::size_t limit,
                           std::function<void(std::optional<std::vector<bus_entry>>)> done) {
  net::post(impl_->io, [self = impl_, room, after_seq, limit, done = std::move(done)]() mutable {
    self->do_read_after(room, after_seq, limit, std::move(done));
  });
}

void redis_bus::unsubscribe(const std::string& room) {
  net::post(impl_->io, [self = impl_, room] { self->do_unsubscribe(room); });
}

bus_figures redis_bus::figures() const {
  const auto& i = *impl_;
  return {i.published.load(), i.publish_failures.load(), i.received.load(), i.subscribed_rooms.load(),
          i.round_trips.load(), i.connected.load()};
}

}  // namespace throng::server
