// throng-server: parses the command line and runs the reference chat server,
// or `throng-server seed` to fill a store with history.

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "throng/common/cli.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/common/units.hpp"
#include "throng/server/malloc_cache.hpp"
#include "throng/server/seed.hpp"
#include "throng/server/server.hpp"

namespace {

// A mistake on the command line (or in --config): says what to do, exit 2.
int refuse(const std::string& why, const char* program = "throng-server") {
  std::cerr << program << ": " << why << "\n";
  return throng::exit_bad_input;
}

// --config is read before the other flags, so that flags override the file.
std::string config_path(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) return argv[i + 1];
    if (std::strncmp(argv[i], "--config=", 9) == 0) return argv[i] + 9;
  }
  return {};
}

int run_seed(const throng::server::seed_options& options) {
  for (const auto& url : options.postgres_urls)
    if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) {
      return refuse("--store takes postgres://… URLs (without it, --store-path names a SQLite file)", "throng-server seed");
    }
  try {
    const auto written = throng::server::seed_store(options, [](std::uint64_t done, std::uint64_t total) {
      std::cerr << "\rseeding: " << done << " / " << total << " messages" << std::flush;
    });
    std::cerr << "\nseeded " << written << " messages into "
              << (options.postgres_urls.empty() ? options.store_path : "PostgreSQL") << "\n";
    return throng::exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "\nthrong-server seed: " << e.what() << "\n";
    return throng::exit_bad_input;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace throng::server;
  use_large_malloc_cache(argv);
  server_config config;
  if (const auto path = config_path(argc, argv); !path.empty()) {
    try {
      load_server_config_file(path, config);
    } catch (const std::exception& e) {
      return refuse(e.what());
    }
  }
  if (const char* secret = std::getenv("THRONG_TOKEN_SECRET")) config.token_secret = secret;
  if (const char* secret = std::getenv("THRONG_TEST_TOKEN_SECRET")) config.test_token_secret = secret;

  std::string max_message = "64KiB", max_queue = "4MiB", store_max = "0", ack = "durable", role = "all", config_file;
  bool verbose = false, no_dynamic_rooms = false;

  CLI::App app{"throng-server: the Throng reference chat server (WebSocket /ws, auth API /api, metrics /metrics)"};
  app.add_option("--config", config_file, "YAML file with preset rooms and defaults (see deploy/server.yaml)");
  app.add_option("--host", config.host, "address to listen on")->capture_default_str();
  app.add_option("-p,--port", config.port, "port to listen on; 0 picks a free one")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--port-file", config.port_file, "write the bound port to this file once listening");
  app.add_option("-t,--threads", config.threads, "shards (threads); 0 = one per core")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  app.add_option("--role", role, "all: chat and auth API; auth: the auth API alone; chat: chat alone")
      ->check(CLI::IsMember({"all", "auth", "chat"}))
      ->capture_default_str();
  std::vector<std::string> stores{"sqlite"};
  std::string retention = "0", retention_interval = "60s";
  app.add_option("--store", stores,
                 "sqlite; memory for pure fan-out measurements; or postgres://user@host:port/db (repeat to shard the "
                 "history by room over several databases)")
      ->capture_default_str();
  app.add_option("--store-path", config.store_path, "SQLite file (created when missing)")->capture_default_str();
  app.add_option("--store-max-size", store_max,
                 "cap on the SQLite database (e.g. 20GiB); past it sends get UNAVAILABLE; 0 = none")
      ->capture_default_str();
  app.add_option("--retention", retention,
                 "postgres: delete messages older than this (e.g. 30d), in small batches; 0 = keep everything")
      ->capture_default_str();
  app.add_option("--retention-interval", retention_interval, "postgres: how often partitions and retention are looked after")
      ->capture_default_str();
  app.add_option("--bus", config.bus,
                 "local (one instance), or redis://[[user]:password@]host:port: instances sharing rooms through Redis Streams")
      ->capture_default_str();
  app.add_option("--bus-stream-length", config.bus_stream_length,
                 "entries each room's Redis stream keeps (approximately); at least 100, so a join finds its history there")
      ->check(CLI::Range(std::size_t{100}, std::size_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--ack", ack, "durable: ack after the group commit; accepted: ack on receipt")
      ->check(CLI::IsMember({"durable", "accepted"}))
      ->capture_default_str();
  app.add_option("--commit-messages", config.commit_max_messages, "group commit: flush at this many messages...")
      ->check(CLI::Range(std::size_t{1}, server_config::max_commit_messages))
      ->capture_default_str();
  app.add_option("--commit-delay-ms", config.commit_max_delay_ms, "...or when the oldest has waited this long")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--history", config.history_depth, "messages replayed on join, per room")
      ->check(CLI::Range(std::size_t{0}, server_config::max_history_depth))
      ->capture_default_str();
  app.add_option("--max-replay", config.max_replay, "most messages one since_seq replay returns")
      ->check(CLI::Range(std::size_t{0}, server_config::max_replay_limit))
      ->capture_default_str();
  app.add_flag("--no-dynamic-rooms", no_dynamic_rooms, "only the rooms of --config exist; others get UNKNOWN_ROOM");
  app.add_option("--presence-interval", config.presence_interval_s, "seconds between presence updates per room")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-message-bytes", max_message, "largest message after dup_factor expansion (e.g. 64KiB)")
      ->capture_default_str();
  app.add_option("--max-queue-bytes", max_queue, "outbound queue per connection before it is closed as a slow consumer")
      ->capture_default_str();
  app.add_option("--batch-delay-ms", config.batch_delay_ms,
                 "batch clients: at most one write per this many ms while messages keep coming (0 = once per loop turn)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--io-uring", config.io_uring,
                 "auto: hand each loop turn's writes to the kernel in one io_uring submission when it allows; "
                 "on: insist; off: one sendmsg per connection")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  app.add_option("--max-connections", config.max_connections, "0 = as many as the open-file limit allows")
      ->check(CLI::Range(std::size_t{0}, std::size_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--idle-timeout", config.idle_timeout_s, "seconds a connection may send nothing; 0 = never")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--malformed-limit", config.malformed_frame_limit, "close a connection after this many bad frames")
      ->capture_default_str();
  app.add_option("--send-rate", config.send_rate_per_user, "sends/s allowed per connection (token bucket); 0 = off")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--send-burst", config.send_burst, "token bucket size for --send-rate")->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--login-failures-per-minute", config.login_failures_per_minute,
                 "failed logins allowed per client address before HTTP 429")
      ->capture_default_str();
  app.add_option("--token-secret", config.token_secret,
                 "HS256 secret for user tokens (or THRONG_TOKEN_SECRET); default: kept in the store. Give auth and "
                 "chat services the same one");
  app.add_option("--test-token-secret", config.test_token_secret,
                 "also accept tokens minted with this secret (load tests: agents mint tokens for synthetic users; "
                 "or THRONG_TEST_TOKEN_SECRET)");
  app.add_option("--token-ttl", config.token_ttl_s, "seconds a token from /api/login stays valid")->capture_default_str();
  app.add_option("--transform-seed", config.transform_seed, "seed of the rooms' transform styles")->capture_default_str();
  app.add_option("--shutdown-grace", config.shutdown_grace_s, "seconds to let sessions close on SIGINT/SIGTERM")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "debug logging");

  seed_options seed;
  auto* seed_cmd = app.add_subcommand("seed", "fill a SQLite or PostgreSQL store with months of realistic history");
  seed_cmd->add_option("--store-path", seed.store_path, "SQLite file")->capture_default_str();
  seed_cmd->add_option("--store", seed.postgres_urls,
                       "postgres://… instead of SQLite (repeat for the databases the servers shard over, in the same order)");
  seed_cmd->add_option("--months", seed.months, "how far back the history goes")->capture_default_str();
  seed_cmd->add_option("--rooms", seed.rooms, "rooms room-0 ... room-N-1")->capture_default_str();
  seed_cmd->add_option("--room-prefix", seed.room_prefix, "room name prefix")->capture_default_str();
  seed_cmd->add_option("--rate", seed.rate_per_s, "messages per second over all rooms, in history time")
      ->capture_default_str();
  seed_cmd->add_option("--zipf", seed.zipf_skew, "room popularity skew; 0 = uniform")->capture_default_str();
  seed_cmd->add_option("--users", seed.users, "distinct senders")->capture_default_str();
  seed_cmd->add_option("--message-bytes", seed.message_bytes, "body size")->capture_default_str();
  seed_cmd->add_option("--seed", seed.seed, "random seed")->capture_default_str();

  if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  if (verbose) throng::set_log_level(throng::log_level::debug);
  if (seed_cmd->parsed()) return run_seed(seed);

  if (stores.size() == 1 && (stores[0] == "sqlite" || stores[0] == "memory")) {
    config.store = stores[0];
  } else {
    for (const auto& s : stores) {
      if (!s.starts_with("postgres://") && !s.starts_with("postgresql://")) {
        return refuse("--store '" + s +
                      "' is not a store; use sqlite, memory, or postgres://user@host:port/db (only PostgreSQL URLs repeat)");
      }
    }
    config.store = "postgres";
    config.postgres_urls = stores;
  }
  const auto retention_d = retention == "0" ? std::optional<std::int64_t>(0) : throng::parse_duration_ns(retention);
  const auto retention_interval_d = throng::parse_duration_ns(retention_interval);
  if (!retention_d || !retention_interval_d || *retention_interval_d <= 0) {
    return refuse("--retention and --retention-interval take durations such as 30d, 12h or 60s");
  }
  if (*retention_d > 0 && config.store != "postgres") {
    return refuse("--retention applies to --store postgres://…; the " + config.store + " store keeps everything");
  }
  config.retention_s = static_cast<double>(*retention_d) * 1e-9;
  config.retention_interval_s = static_cast<double>(*retention_interval_d) * 1e-9;
  if (config.bus != "local" && !config.bus.starts_with("redis://")) {
    return refuse("--bus '" + config.bus + "' is not a bus; use local or redis://host:port");
  }
  const auto message_bytes = throng::parse_bytes(max_message);
  const auto queue_bytes = throng::parse_bytes(max_queue);
  const auto store_max_bytes = throng::parse_bytes(store_max);
  if (!store_max_bytes) {
    return refuse("--store-max-size takes a size such as 20GiB (0 = no cap)");
  }
  if (*store_max_bytes > 0 && config.store != "sqlite") {
    return refuse("--store-max-size caps a SQLite file; the " + config.store +
                  " store has no such cap (for PostgreSQL, use --retention or the database's own limits)");
  }
  config.store_max_bytes = *store_max_bytes;
  if (!message_bytes || *message_bytes == 0 || !queue_bytes || *queue_bytes == 0) {
    return refuse("--max-message-bytes and --max-queue-bytes take sizes such as 64KiB or 4MiB");
  }
  config.max_message_bytes = *message_bytes;
  config.max_queued_bytes = *queue_bytes;
  config.ack_durable = ack == "durable";
  if (no_dynamic_rooms) config.dynamic_rooms = false;
  config.role = role == "auth" ? server_role::auth : role == "chat" ? server_role::chat : server_role::all;
  if (!config.dynamic_rooms && config.rooms.empty()) {
    return refuse("--no-dynamic-rooms needs preset rooms from --config (rooms: [{name: general}])");
  }

  try {
    server server(config);
    server.run();
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  return throng::exit_ok;
}
