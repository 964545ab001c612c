#pragma once
// The reference server started in-process on a free loopback port (memory
// store unless a test asks otherwise), for tests driving it with real clients.
#include "throng/server/server.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "../support/ws_test_client.hpp"

namespace throng::server {

using test::send_frame;
using test::ws_test_client;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(memory_config()); }

  static server_config memory_config() {
    server_config config;
    config.store = "memory";
    config.test_token_secret = test::test_token_secret;
    return config;
  }
  void TearDown() override { stop(); }

  void start(server_config config) {
    config.port = 0;
    config.threads = 2;  // rooms and members spread over both shards
    config.shutdown_grace_s = 0.5;
    server_ = std::make_unique<server>(config);
    thread_ = std::thread([this] { server_->run(false); });
  }
  void stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }
  unsigned short port() const { return server_->port(); }
  void restart(server_config config) {
    stop();
    start(std::move(config));
  }

  std::unique_ptr<server> server_;
  std::thread thread_;
};

}  // namespace throng::server
