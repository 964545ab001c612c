// Frame time of throng-panel with a big run on screen: 1,000 agents in the
// table, 10 minutes of per-second history, 8 regions of histograms. Renders
// real frames through GLFW and OpenGL (run it under xvfb-run for Mesa's
// software GL) and times each one: building the ImGui frame, rendering it,
// and glFinish, so the GPU's (here the CPU's) share is counted.
//
//   xvfb-run -a -s "-screen 0 1600x1000x24" ./bin/panel_frame_bench [agents] [seconds] [frames] [width] [height]

#include <GL/gl.h>
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "throng/common/histogram.hpp"
#include "throng/panel/panel_ui.hpp"
#include "throng/panel/panel_window.hpp"
#include "throng/panel/snapshot_builder.hpp"

using namespace throng;
using namespace throng::panel;
using steady = std::chrono::steady_clock;

namespace {

double ms_since(steady::time_point t) { return std::chrono::duration<double, std::milli>(steady::now() - t).count(); }

struct stats {
  double median, p90, max;
};
stats summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[v.size() * 9 / 10], v.back()};
}

// Feeds `seconds` snapshots of a run with `agents` agents over 8 regions; returns the time per add().
std::vector<double> feed(snapshot_builder& builder, int agents, int seconds) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(20e6), 0.6);  // e2e around 20 ms
  const std::vector<std::string> regions{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
                                         "ap-south-1", "ap-northeast-1", "sa-east-1", "af-south-1"};
  std::vector<histogram> cumulative(regions.size()), cumulative_ack(regions.size());
  histogram all, all_ack;
  std::vector<double> add_ms;
  for (int w = 0; w < seconds; ++w) {
    histogram last, last_ack;
    for (std::size_t r = 0; r < regions.size(); ++r)
      for (int i = 0; i < 2000; ++i) {
        const auto v = static_cast<std::int64_t>(latency(rng));
        cumulative[r].record(v);
        cumulative_ack[r].record(v / 3);
        last.record(v);
        last_ack.record(v / 3);
      }
    all.merge(last);
    all_ack.merge(last_ack);
    control::RunSnapshot s;
    s.set_run_id("bench-1");
    s.set_scenario("billion-mau");
    s.set_phase("running");
    s.set_elapsed_ns(static_cast<std::int64_t>(w + 1) * 1'000'000'000);
    s.set_duration_ns(3600'000'000'000);
    s.set_windows_complete(static_cast<std::uint64_t>(w + 1));
    s.mutable_last_second()->set_sent(200'000);
    s.mutable_last_second()->set_delivered(5'000'000);
    last.to_proto(*s.mutable_last_second_latencies()->mutable_e2e());
    last_ack.to_proto(*s.mutable_last_second_latencies()->mutable_ack());
    all.to_proto(*s.mutable_total_latencies()->mutable_e2e());
    all_ack.to_proto(*s.mutable_total_latencies()->mutable_ack());
    for (std::size_t r = 0; r < regions.size(); ++r) {
      auto* row = s.add_regions();
      row->set_region(regions[r]);
      cumulative[r].to_proto(*row->mutable_total()->mutable_e2e());
      cumulative_ack[r].to_proto(*row->mutable_total()->mutable_ack());
    }
    for (int a = 0; a < agents; ++a) {
      auto* row = s.add_agents();
      row->mutable_status()->set_agent_id(fmt::format("agent-{:04}", a));
      row->mutable_status()->set_state(control::AGENT_RUNNING);
      row->mutable_status()->set_clock_offset_ns(a * 1000);
      row->mutable_status()->set_clock_error_ns(50'000);
      row->set_region(regions[static_cast<std::size_t>(a) % regions.size()]);
      row->set_group("chat/talkers");
      row->set_active_users(10'000);
      row->set_planned_users(10'000);
      row->set_sends_per_s(200 + a % 7);
      row->set_loop_lag_ms(0.3 + (a % 13) * 0.1);
      row->set_cpu_percent(40 + a % 50);
    }
    for (const char* t : {"e2e: p(99) < 250ms", "lost: count == 0", "connect_errors: rate < 0.001"}) {
      auto* row = s.add_thresholds();
      row->set_name(t);
      row->set_value("12ms");
      row->set_passed(true);
      row->set_evaluated(true);
    }
    const auto t = steady::now();
    builder.add(s);
    add_ms.push_back(ms_since(t));
  }
  return add_ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int agents = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 600;
  const int frames = argc > 3 ? std::atoi(argv[3]) : 300;
  const int width = argc > 4 ? std::atoi(argv[4]) : 1600;
  const int height = argc > 5 ? std::atoi(argv[5]) : 1000;

  snapshot_builder builder(600);
  const auto add = summarise(feed(builder, agents, seconds));
  auto t = steady::now();
  const auto snapshot = builder.publish();
  const double publish_ms = ms_since(t);

  panel_window window("throng-panel bench", width, height, /*vsync*/ false);
  const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  command_queue commands;
  ui_state ui;

  // Each configuration: the histogram view it shows.
  struct setup {
    const char* name;
    int span;
    bool overlay;
  };
  fmt::print("throng-panel frame time: {} agents, {} s of history, 8 regions, {}x{}, renderer: {}\n", agents, seconds, width, height,
             renderer ? renderer : "?");
  fmt::print("network thread: snapshot add median {:.2f} ms (p90 {:.2f}, max {:.2f}); publish (copy) {:.2f} ms\n",
             add.median, add.p90, add.max, publish_ms);
  fmt::print("| view | frames | median ms | p90 ms | max ms | median ms building the ImGui frame |\n"
             "| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const setup& s : {setup{"whole run, all regions", 2, false}, setup{"last minute, 8 regions overlaid", 1, true}}) {
    ui.span = s.span;
    ui.overlay_regions = s.overlay;
    std::vector<double> frame_ms, build_ms;
    for (int f = 0; f < frames + 10; ++f) {
      window.wait_events(0);
      t = steady::now();
      window.begin_frame();
      draw_panel(*snapshot, ui, commands);
      const double built = ms_since(t);
      window.render();
      glFinish();
      if (f >= 10) {  // the first frames build fonts and caches
        frame_ms.push_back(ms_since(t));
        build_ms.push_back(built);
      }
      window.present();
    }
    double area = 0;
    for (int i = 0; i < ImGui::GetDrawData()->CmdListsCount; ++i) {
      const auto* list = ImGui::GetDrawData()->CmdLists[i];
      for (int k = 0; k + 2 < list->IdxBuffer.Size; k += 3) {
        const auto& a = list->VtxBuffer[list->IdxBuffer[k]].pos;
        const auto& b = list->VtxBuffer[list->IdxBuffer[k + 1]].pos;
        const auto& c = list->VtxBuffer[list->IdxBuffer[k + 2]].pos;
        area += std::abs((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)) / 2;
      }
    }
    int draw_calls = 0;
    for (int i = 0; i < ImGui::GetDrawData()->CmdListsCount; ++i) draw_calls += ImGui::GetDrawData()->CmdLists[i]->CmdBuffer.Size;
    fmt::print("  {}: {} triangles covering {:.0f} px in {} draw calls\n", s.name, ImGui::GetDrawData()->TotalIdxCount / 3,
               area, draw_calls);
    const auto r = summarise(frame_ms);
    const auto b = summarise(build_ms);
    fmt::print("| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n", s.name, frames, r.median, r.p90, r.max, b.median);
  }
  return 0;
}
