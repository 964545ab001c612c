// throng-server: parses the command line and runs the reference chat server.

#include <iostream>

#include "throng/common/cli.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/common/units.hpp"
#include "throng/server/server.hpp"

int main(int argc, char** argv) {
  throng::server::server_config config;
  std::string max_message = "64KiB", max_queue = "4MiB";
  bool verbose = false;

  CLI::App app{"throng-server: the Throng reference chat server (WebSocket /ws, metrics on /metrics)"};
  app.add_option("--host", config.host, "address to listen on")->capture_default_str();
  app.add_option("-p,--port", config.port, "port to listen on; 0 picks a free one")->capture_default_str();
  app.add_option("--port-file", config.port_file, "write the bound port to this file once listening");
  app.add_option("-t,--threads", config.threads, "shards (threads); 0 = one per core")->capture_default_str();
  app.add_option("--history", config.history_depth, "messages kept and replayed on join, per room")->capture_default_str();
  app.add_option("--max-message-bytes", max_message, "largest message after dup_factor expansion (e.g. 64KiB)")
      ->capture_default_str();
  app.add_option("--max-queue-bytes", max_queue, "outbound queue per connection before it is closed as a slow consumer")
      ->capture_default_str();
  app.add_option("--shutdown-grace", config.shutdown_grace_s, "seconds to let sessions close on SIGINT/SIGTERM")
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "debug logging");
  if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  if (verbose) throng::set_log_level(throng::log_level::debug);

  const auto message_bytes = throng::parse_bytes(max_message);
  const auto queue_bytes = throng::parse_bytes(max_queue);
  if (!message_bytes || *message_bytes == 0 || !queue_bytes || *queue_bytes == 0) {
    std::cerr << "throng-server: --max-message-bytes and --max-queue-bytes take sizes such as 64KiB or 4MiB\n";
    return throng::exit_bad_input;
  }
  config.max_message_bytes = *message_bytes;
  config.max_queued_bytes = *queue_bytes;

  try {
    throng::server::server server(config);
    server.run();
  } catch (const std::exception& e) {
    std::cerr << "throng-server: " << e.what() << "\n";
    return throng::exit_bad_input;
  }
  return throng::exit_ok;
}
