// The operator port a panel uses: snapshots each second, live adjustments
// and a stop, on its own port and token.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "control.pb.h"
#include "throng/common/frame_codec.hpp"
#include "throng/common/net.hpp"

namespace throng::test {
namespace {

// A blocking operator client; reads give up after 5 s.
class operator_client {
 public:
  operator_client(unsigned short port, const std::string& token) : ws_(io_) {
    auto& socket = ws_.next_layer();
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ws_.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) { req.set(http::field::authorization, "Bearer " + token); }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/operators");
    ws_.binary(true);
  }
  void send(const control::OperatorToController& m) {
    const auto frame = encode_frame(m, wire_format::binary);
    ws_.write(net::buffer(frame));
  }
  std::optional<control::ControllerToOperator> read() {
    beast::flat_buffer buffer;
    error_code ec;
    ws_.read(buffer, ec);
    if (ec) return std::nullopt;
    control::ControllerToOperator m;
    const std::string_view payload(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (decode_frame(payload, wire_format::binary, m)) return std::nullopt;
    return m;
  }

 private:
  net::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

// Connects (retrying while the controller starts) and says hello; nullptr when it never came up.
std::unique_ptr<operator_client> connect_operator(unsigned short port) {
  std::unique_ptr<operator_client> client;
  for (int i = 0; i < 100 && !client; ++i) {
    try {
      client = std::make_unique<operator_client>(port, "panel");
    } catch (const std::exception&) {
      usleep(50'000);
    }
  }
  if (!client) return nullptr;
  control::OperatorToController hello;
  hello.mutable_hello()->set_protocol_version(control::PROTOCOL_VERSION_CURRENT);
  hello.mutable_hello()->set_client("test-panel");
  client->send(hello);
  return client;
}

// Whether a refusal mentioning `fragment` arrives among the next few messages (snapshots go on meanwhile).
bool refused_with(operator_client& client, const std::string& fragment) {
  for (int i = 0; i < 5; ++i) {
    const auto m = client.read();
    if (!m) return false;
    if (m->has_refused() && m->refused().reason().find(fragment) != std::string::npos) return true;
  }
  return false;
}

TEST(OperatorPort, PanelsSeeSnapshotsAdjustAndStopTheRun) {
  const auto dir = make_temp_dir();
  write_file(dir + "/long.yaml", "target: {spawn: reference-server, store: memory}\nusers: 20\nrooms: 2\nrate: 20/s\n"
                                 "duration: 30s\ngraceful_stop: 1s\n");
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "run", dir + "/long.yaml", "--operator-port", std::to_string(port),
                                 "--operator-token", "panel", "--report", dir + "/report.json", "--work-dir", dir},
                                dir + "/controller.log");
  auto client = connect_operator(port);
  ASSERT_TRUE(client) << read_file(dir + "/controller.log.err");
  EXPECT_THROW(operator_client(port, "wrong"), std::exception) << "the wrong token is refused at the handshake";

  // Snapshots until two running seconds have been seen.
  int running = 0;
  std::uint64_t sent_before = 0;
  for (int i = 0; i < 40 && running < 2; ++i) {
    const auto m = client->read();
    ASSERT_TRUE(m) << "a snapshot each second";
    ASSERT_TRUE(m->has_snapshot());
    const auto& s = m->snapshot();
    EXPECT_FALSE(s.run_id().empty());
    EXPECT_EQ(s.duration_ns(), 30'000'000'000);
    if (s.phase() == "running" && s.last_second().sent() > 0) {
      ++running;
      sent_before = s.last_second().sent();
      EXPECT_EQ(s.agents_size(), 2) << "one row per agent";
      EXPECT_GT(s.total_latencies().e2e().counts_size(), 0) << "histograms for the panel";
    }
  }
  ASSERT_EQ(running, 2);
  EXPECT_NEAR(static_cast<double>(sent_before), 20, 3);

  // Triple the rate; the per-second sends follow.
  control::OperatorToController adjust;
  adjust.mutable_command()->mutable_adjust()->set_rate_multiplier(3);
  client->send(adjust);
  std::uint64_t sent_after = 0;
  for (int i = 0; i < 4; ++i) {
    const auto m = client->read();
    ASSERT_TRUE(m && m->has_snapshot());
    sent_after = m->snapshot().last_second().sent();
  }
  EXPECT_GE(sent_after, 45u) << "3 x 20/s";

  // A nonsensical adjustment is refused with what is expected.
  control::OperatorToController bad;
  bad.mutable_command()->mutable_adjust()->set_rate_multiplier(-2);
  client->send(bad);
  EXPECT_TRUE(refused_with(*client, "positive factor"));

  // A scenario cannot be swapped in; the refusal says what to do.
  control::OperatorToController load;
  load.mutable_command()->set_start_scenario_path("/tmp/x.yaml");
  client->send(load);
  EXPECT_TRUE(refused_with(*client, "throng run FILE"));

  control::OperatorToController stop;
  stop.mutable_command()->mutable_stop()->set_reason("seen enough");
  client->send(stop);
  EXPECT_EQ(controller.wait(std::chrono::seconds(20)), 3) << "stopped early: the run is cut short";
  EXPECT_NE(read_file(dir + "/controller.log").find("stopped by an operator: seen enough"), std::string::npos);
  const auto report = nlohmann::json::parse(read_file(dir + "/report.json"));
  EXPECT_LT(report.at("timeline").size(), 20u);
  EXPECT_EQ(report.at("totals").at("acked"), report.at("totals").at("sent")) << "what was sent is kept";
  std::filesystem::remove_all(dir);
}

// `throng serve`: the panel chooses the scenario; a broken one is refused with its errors.
TEST(OperatorPort, ServeRunsTheScenarioAPanelStarts) {
  const auto dir = make_temp_dir();
  write_file(dir + "/short.yaml", "target: {spawn: reference-server, store: memory}\nagents: 1\nusers: 10\nrate: 10/s\n"
                                  "duration: 2s\ngraceful_stop: 1s\n");
  write_file(dir + "/broken.yaml", "target: {spawn: reference-server}\nuserz: 10\n");
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "serve", "--operator-port", std::to_string(port),
                                 "--operator-token", "panel", "--report", dir + "/report.json", "--work-dir", dir},
                                dir + "/controller.log");
  auto client = connect_operator(port);
  ASSERT_TRUE(client) << read_file(dir + "/controller.log.err");
  const auto first = client->read();
  ASSERT_TRUE(first && first->has_snapshot());
  EXPECT_EQ(first->snapshot().phase(), "waiting");

  control::OperatorToController start;
  start.mutable_command()->set_start_scenario_path(dir + "/broken.yaml");
  client->send(start);
  const auto refused = client->read();
  ASSERT_TRUE(refused && refused->has_refused());
  EXPECT_NE(refused->refused().reason().find("userz: unknown field; did you mean 'users'"), std::string::npos)
      << refused->refused().reason();

  start.mutable_command()->set_start_scenario_path(dir + "/short.yaml");
  client->send(start);
  std::set<std::string> phases;
  for (int i = 0; i < 30; ++i) {
    const auto m = client->read();
    if (!m) break;  // the run is over and the controller closed the link
    if (m->has_snapshot()) phases.insert(m->snapshot().phase());
  }
  EXPECT_TRUE(phases.contains("running")) << "snapshots follow the run";
  EXPECT_EQ(controller.wait(std::chrono::seconds(20)), 0) << read_file(dir + "/controller.log");
  const auto report = nlohmann::json::parse(read_file(dir + "/report.json"));
  EXPECT_EQ(report.at("scenario"), "short");
  EXPECT_GT(report.at("totals").at("sent").get<std::uint64_t>(), 10u);
  std::filesystem::remove_all(dir);
}

TEST(OperatorPort, NeedsAToken) {
  const auto r = run_command({bin_dir() + "/throng", "run", std::string(THRONG_SOURCE_DIR) + "/scenarios/smoke.yaml",
                              "--operator-port", "7999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--operator-token"), std::string::npos) << r.err;
  const auto serve = run_command({bin_dir() + "/throng", "serve"});
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.err.find("--operator-port"), std::string::npos) << serve.err;
}

}  // namespace
}  // namespace throng::test
