#pragma once
// Cross-instance fan-out over Redis Streams: one stream per room, whose entry
// IDs are the room's seq numbers ("<seq>-0"). A Lua script appends a batch of
// messages and numbers them atomically, so every instance sees one order per
// room; each instance reads (XREAD) only the streams of rooms with local
// members and resumes from the last ID it delivered, so a reconnect to Redis
// neither loses nor repeats a message. The bus runs on its own thread; its
// callbacks run there and must only post onwards.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace throng::server {

struct redis_bus_options {
  std::string host = "127.0.0.1";
  unsigned short port = 6379;
  std::string username;  // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  std::size_t stream_length = 10'000;  // entries kept per room stream (approximate trim)
  std::string key_prefix = "throng:room:";
};

// Parses redis://[[user]:password@]host[:port]; throws std::runtime_error saying what is wrong.
redis_bus_options parse_redis_url(const std::string& url);
// The AUTH command for these options; empty when there is no password.
std::vector<std::string> auth_command(const redis_bus_options& options);

struct bus_entry {
  std::uint64_t seq = 0;
  std::string payload;
};

struct bus_room_snapshot {
  std::uint64_t last_seq = 0;      // 0: the stream is empty or missing
  std::vector<bus_entry> recent;   // oldest first
};

struct bus_figures {
  std::uint64_t published = 0;
  std::uint64_t publish_failures = 0;
  std::uint64_t received = 0;
  std::uint64_t subscribed_rooms = 0;
  std::uint64_t round_trips = 0;   // publish script calls (each carries a batch)
  bool connected = false;
};

class redis_bus {
 public:
  using published_fn = std::function<void(std::optional<std::uint64_t> first_seq)>;
  using subscribed_fn = std::function<void(std::optional<bus_room_snapshot>)>;
  using deliver_fn = std::function<void(const std::string& room, std::uint64_t seq, std::string payload)>;

  // `deliver` gets every entry of a subscribed room once, in seq order, on the bus thread.
  redis_bus(redis_bus_options options, deliver_fn deliver);
  ~redis_bus();
  redis_bus(const redis_bus&) = delete;
  redis_bus& operator=(const redis_bus&) = delete;

  // Starts the bus thread and connects; returns once the first connection
  // attempt ended. Throws when Redis cannot be reached at start.
  void start();
  void stop();

  // Any thread. Appends `payload` to the room's stream and numbers it; the
  // seq is above `floor` (what this instance last saw of the room). nullopt:
  // Redis is unreachable or refused it; nothing was appended.
  void publish(const std::string& room, std::string payload, std::uint64_t floor, published_fn done);
  // Any thread. Reads the room's newest `recent` entries and starts delivering
  // what follows them. nullopt: Redis is unreachable.
  void subscribe(const std::string& room, std::size_t recent, subscribed_fn done);
  // Any thread. The newest `limit` entries after `after_seq`, oldest first
  // (a reconnect's gap, served from the stream). nullopt: Redis is unreachable.
  void read_after(const std::string& room, std::uint64_t after_seq, std::size_t limit,
                  std::function<void(std::optional<std::vector<bus_entry>>)> done);
  // Any thread. Stops delivering the room.
  void unsubscribe(const std::string& room);

  bus_figures figures() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace throng::server
