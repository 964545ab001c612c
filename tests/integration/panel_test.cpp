// throng-panel against a real controller: the network thread drives a
// `throng serve` run (a broken scenario refused with its lines, then a real
// one), and the real window under Xvfb renders a live smoke run to a PNG.
#include <gtest/gtest.h>
#include <unistd.h>
#include <stb/stb_image.h>

#include <filesystem>
#include <set>
#include <thread>

#include "../support/process.hpp"
#include "throng/panel/controller_link.hpp"

namespace throng::test {
namespace {

using namespace std::chrono_literals;

// Waits up to `timeout` for the link's latest snapshot to satisfy `ok`.
template <typename Pred>
std::shared_ptr<const panel::panel_snapshot> wait_for(const panel::controller_link& link, Pred ok,
                                                      std::chrono::seconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto s = link.latest();
  while (!ok(*s) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    s = link.latest();
  }
  return s;
}

panel::panel_command start(const std::string& path) {
  panel::panel_command c;
  c.operator_command.set_start_scenario_path(path);
  return c;
}

TEST(PanelLink, StartsAServedScenarioAfterShowingWhatIsWrongWithABrokenOne) {
  const auto dir = make_temp_dir();
  write_file(dir + "/broken.yaml", "target: {spawn: reference-server}\nusers: 10\nduration: 5s\nexecutor: sometimes\n");
  write_file(dir + "/ok.yaml", "target: {spawn: reference-server, store: memory}\nusers: 20\nrooms: 2\nrate: 10/s\n"
                               "duration: 4s\ngraceful_stop: 1s\nthresholds:\n  e2e: [\"p(99) < 5s\"]\n");
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "serve", "--operator-port", std::to_string(port),
                                 "--operator-token", "panel", "--work-dir", dir},
                                dir + "/controller.log");
  panel::command_queue commands;
  panel::controller_link link(commands, {}, 600);

  commands.push({panel::panel_command::kind::connect, "127.0.0.1:" + std::to_string(port), "wrong", {}});
  auto s = wait_for(link, [](const auto& s) { return s.state == panel::link_state::refused; });
  EXPECT_EQ(s->state, panel::link_state::refused);
  EXPECT_NE(s->link_message.find("operator token"), std::string::npos) << s->link_message;

  commands.push({panel::panel_command::kind::connect, "127.0.0.1:" + std::to_string(port), "panel", {}});
  s = wait_for(link, [](const auto& s) { return s.phase == "waiting"; });
  ASSERT_EQ(s->state, panel::link_state::connected) << s->link_message;
  ASSERT_EQ(s->phase, "waiting");

  commands.push(start(dir + "/broken.yaml"));
  s = wait_for(link, [](const auto& s) { return !s.scenario_problems.empty(); });
  ASSERT_FALSE(s->scenario_problems.empty()) << s->refusal;
  EXPECT_EQ(s->scenario_problems[0].line, 4u);
  EXPECT_GT(s->scenario_problems[0].column, 0u);
  EXPECT_NE(s->scenario_problems[0].path.find("executor"), std::string::npos);

  commands.push(start(dir + "/ok.yaml"));
  s = wait_for(link, [](const auto& s) { return s.phase == "running" && s.charts.sends.size() >= 2; });
  EXPECT_TRUE(s->scenario_problems.empty()) << "a started scenario clears the old refusal";
  ASSERT_GE(s->charts.sends.size(), 2u);
  EXPECT_EQ(s->agents.size(), 2u);
  ASSERT_EQ(s->thresholds.size(), 1u);
  EXPECT_FALSE(s->timeline.empty());
  EXPECT_GT(s->histograms.at(panel::all_regions)[0][static_cast<std::size_t>(panel::span::whole_run)].bins.total, 0u);
  EXPECT_EQ(controller.wait(60s), 0) << read_file(dir + "/controller.log.err");
}

TEST(PanelWindow, RendersALiveRunUnderXvfb) {
  const auto dir = make_temp_dir();
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "run", std::string(THRONG_SOURCE_DIR) + "/scenarios/smoke.yaml",
                                 "--operator-port", std::to_string(port), "--operator-token", "panel", "--work-dir", dir},
                                dir + "/controller.log");
  const auto shot = dir + "/panel.png";
  const auto r = run_command({"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24", bin_dir() + "/throng-panel",
                              "--connect", "127.0.0.1:" + std::to_string(port), "--token", "panel", "--width", "1280",
                              "--height", "800", "--screenshot", shot, "--frames", "30", "--min-snapshots", "3",
                              "--timeout", "60"},
                             120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  unsigned long snapshots = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "throng-panel: %lu snapshots received", &snapshots), 1) << r.out;
  EXPECT_GE(snapshots, 3u);

  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(shot.c_str(), &w, &h, &channels, 3);
  ASSERT_NE(pixels, nullptr) << "a PNG at " << shot;
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 800);
  // Not blank: several colours, a good share of pixels unlike the background,
  // and the histogram's bars (drawn only from received samples).
  std::set<std::uint32_t> colours;
  std::size_t unlike_corner = 0, bar_blue = 0;
  const auto total = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  for (std::size_t i = 0; i < total; ++i) {
    const auto* p = pixels + i * 3;
    colours.insert(static_cast<std::uint32_t>(p[0] << 16 | p[1] << 8 | p[2]));
    if (std::abs(p[0] - pixels[0]) + std::abs(p[1] - pixels[1]) + std::abs(p[2] - pixels[2]) > 30) ++unlike_corner;
    if (std::abs(p[0] - 80) + std::abs(p[1] - 141) + std::abs(p[2] - 211) < 30) ++bar_blue;  // (90,160,240) at 86% over the background
  }
  stbi_image_free(pixels);
  EXPECT_GT(colours.size(), 10u);
  EXPECT_GT(unlike_corner, total / 20);
  EXPECT_GT(bar_blue, 2000u) << "histogram bars of the run's samples";
  controller.stop(SIGTERM, 20s);
}

TEST(PanelWindow, AWrongTokenExitsWithWhatToDo) {
  const auto dir = make_temp_dir();
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "serve", "--operator-port", std::to_string(port),
                                 "--operator-token", "panel", "--work-dir", dir},
                                dir + "/controller.log");
  const auto r = run_command({"/usr/bin/xvfb-run", "-a", bin_dir() + "/throng-panel", "--connect",
                              "127.0.0.1:" + std::to_string(port), "--token", "nope", "--screenshot", dir + "/x.png",
                              "--timeout", "30"},
                             60s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("operator token"), std::string::npos) << r.err;
  controller.stop(SIGTERM, 10s);
}

// A private X server on a display number nobody holds; stopped when destroyed.
struct private_display {
  private_display() {
    for (int n = 70 + static_cast<int>(getpid() % 100); n < 400 && !server; ++n) {
      if (std::filesystem::exists("/tmp/.X" + std::to_string(n) + "-lock")) continue;
      name = ":" + std::to_string(n);
      server = std::make_unique<background_process>(
          std::vector<std::string>{"/usr/bin/Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"});
    }
    // Ready once it has made its socket.
    for (int i = 0; i < 100 && !std::filesystem::exists("/tmp/.X11-unix/X" + name.substr(1)); ++i)
      std::this_thread::sleep_for(50ms);
  }
  std::string name;
  std::unique_ptr<background_process> server;
};

TEST(PanelWindow, ServesMetricsAndStopsCleanlyOnSigterm) {
  const auto dir = make_temp_dir();
  private_display display;
  ASSERT_TRUE(display.server);
  const auto metrics_port = free_port();
  background_process panel({"/usr/bin/env", "DISPLAY=" + display.name, bin_dir() + "/throng-panel", "--metrics-port",
                            std::to_string(metrics_port), "--connect", "127.0.0.1:1", "--token", "x"},
                           dir + "/panel.log");
  std::string metrics;
  for (int i = 0; i < 100 && metrics.find("throng_panel_frames_total") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    metrics = http_get(metrics_port, "/metrics");
  }
  EXPECT_NE(metrics.find("throng_panel_frames_total"), std::string::npos) << read_file(dir + "/panel.log.err");
  EXPECT_NE(metrics.find("throng_panel_connected 0"), std::string::npos) << "nothing listens on port 1";

  // Nothing changes (the link keeps failing the same way): the panel sleeps
  // in the event wait, drawing about once a second instead of 60 times.
  const auto frames = [&] {
    const auto text = http_get(metrics_port, "/metrics");
    const auto at = text.find("\nthrong_panel_frames_total ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + 27));
  };
  std::this_thread::sleep_for(2500ms);
  const double before = frames();
  std::this_thread::sleep_for(3s);
  const double after = frames();
  ASSERT_GE(before, 0);
  EXPECT_LE(after - before, 8) << "idle frames in 3 s";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(panel.stop(SIGTERM, 5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << "the idle loop wakes at least every second";
  EXPECT_NE(read_file(dir + "/panel.log").find("frames drawn"), std::string::npos);
}

TEST(PanelWindow, NoDisplayIsAClearError) {
  const auto r = run_command({"/usr/bin/env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", bin_dir() + "/throng-panel"}, 30s);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("xvfb-run"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace throng::test
