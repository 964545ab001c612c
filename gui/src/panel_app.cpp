#include "throng/panel/panel_app.hpp"

#include <imgui.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/common/metrics.hpp"
#include "throng/panel/controller_link.hpp"
#include "throng/panel/metrics_endpoint.hpp"
#include "throng/panel/panel_ui.hpp"
#include "throng/panel/panel_window.hpp"

namespace throng::panel {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested = true; }

using clock_type = std::chrono::steady_clock;
constexpr auto frame_interval = std::chrono::microseconds(16'667);  // 60 fps
constexpr auto keep_animating = std::chrono::milliseconds(1500);    // after data or input, before idling

void copy_text(char* out, std::size_t size, const std::string& text) {
  std::strncpy(out, text.c_str(), size - 1);
  out[size - 1] = '\0';
}

}  // namespace

int run_panel(const panel_options& options) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  std::optional<panel_window> window;
  try {
    window.emplace("throng-panel", options.width, options.height, options.vsync);
  } catch (const window_error& e) {
    log_error("{}", e.what());
    return exit_aborted;
  }

  command_queue commands;
  controller_link link(commands, [] { panel_window::wake(); }, std::size_t{options.history_minutes} * 60);
  ui_state ui;
  copy_text(ui.token, sizeof ui.token, options.token);
  if (!options.scenario_path.empty()) copy_text(ui.scenario_path, sizeof ui.scenario_path, options.scenario_path);
  if (!options.connect.empty()) {
    copy_text(ui.address, sizeof ui.address, options.connect);
    commands.push({panel_command::kind::connect, options.connect, options.token, {}});
  }

  std::atomic<std::uint64_t> frames_drawn{0}, snapshots_seen{0}, last_frame_ns{0};
  std::atomic<int> link_up{0};
  std::optional<metrics_endpoint> metrics;
  if (options.metrics_port) {
    try {
      metrics.emplace(options.metrics_host, options.metrics_port, [&] {
        return prometheus_text({
            {"throng_panel_frames_total", "frames drawn", metric_kind::counter, static_cast<double>(frames_drawn.load())},
            {"throng_panel_snapshots_total", "run snapshots received from the controller", metric_kind::counter,
             static_cast<double>(snapshots_seen.load())},
            {"throng_panel_frame_seconds", "time to build and render the latest frame", metric_kind::gauge,
             static_cast<double>(last_frame_ns.load()) / 1e9},
            {"throng_panel_connected", "1 while linked to a controller", metric_kind::gauge, static_cast<double>(link_up.load())},
        });
      });
    } catch (const std::system_error& e) {
      log_error("metrics listener on {}:{}: {}; choose another --metrics-port", options.metrics_host, options.metrics_port, e.what());
      return exit_bad_input;
    }
  }

  const bool screenshot_mode = !options.screenshot.empty();
  const auto started = clock_type::now();
  auto animate_until = started + keep_animating;
  auto next_frame = started;
  std::uint64_t drawn_version = ~0ull;
  unsigned screenshot_frames = 0;
  int exit_code = exit_ok;

  while (!window->should_close() && !stop_requested) {
    auto now = clock_type::now();
    const bool animating = now < animate_until || screenshot_mode;
    // Paced at 60 fps while animating; otherwise asleep until input, data or a second passes (the clock moves).
    const double wait_s = animating ? std::chrono::duration<double>(std::max(next_frame - now, clock_type::duration::zero())).count() : 1.0;
    window->wait_events(wait_s);
    now = clock_type::now();
    auto snapshot = link.latest();
    if (window->take_input() || snapshot->version != drawn_version) animate_until = now + keep_animating;
    if (animating && now < next_frame) continue;  // woken early by input: draw at the next tick
    next_frame = now + frame_interval;

    const auto frame_start = clock_type::now();
    window->begin_frame();
    draw_panel(*snapshot, ui, commands);
    window->render();
    drawn_version = snapshot->version;
    ++frames_drawn;
    snapshots_seen = snapshot->snapshots_received;
    link_up = snapshot->state == link_state::connected ? 1 : 0;

    if (screenshot_mode) {
      if (snapshot->state == link_state::refused) {
        log_error("{}", snapshot->link_message);
        exit_code = exit_bad_input;
        break;
      }
      if (snapshot->snapshots_received >= options.min_snapshots && ++screenshot_frames >= options.frames) {
        std::string error;
        if (!window->save_png(options.screenshot, error)) {
          log_error("{}", error);
          exit_code = exit_aborted;
        }
        break;
      }
      if (now - started > std::chrono::duration<double>(options.timeout_s)) {
        log_error("only {} of {} snapshots from the controller within {} s: is it running with --operator-port?",
                  snapshot->snapshots_received, options.min_snapshots, options.timeout_s);
        exit_code = exit_aborted;
        break;
      }
    }
    window->present();
    last_frame_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(clock_type::now() - frame_start).count());
  }
  std::cout << "throng-panel: " << snapshots_seen.load() << " snapshots received, " << frames_drawn.load()
            << " frames drawn\n";
  return exit_code;
}

}  // namespace throng::panel
