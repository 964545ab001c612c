#pragma once
// The panel's views, drawn with Dear ImGui each frame from the latest
// snapshot. Needs a current ImGui context and frame; no OpenGL here, so the
// views run headless in tests.

#include <cstdint>
#include <string>
#include <vector>

#include "throng/panel/command_queue.hpp"
#include "throng/panel/panel_snapshot.hpp"

namespace throng::panel {

// What the operator chose, kept across frames.
struct ui_state {
  char address[256] = "127.0.0.1:9100";
  char token[256] = "";
  char scenario_path[1024] = "scenarios/smoke.yaml";
  float rate_multiplier = 1;
  bool rate_held = false;             // being dragged: the snapshot does not overwrite it
  int metric = 0;                     // index into all_latency_metrics
  int span = 2;                       // index into all_spans
  std::string source = all_regions;   // the histogram's region
  bool overlay_regions = false;
  std::vector<int> agent_order;       // agents table rows, sorted
  std::uint64_t agents_sorted_for = ~0ull;  // snapshot version agent_order was sorted for
};

void draw_panel(const panel_snapshot& snapshot, ui_state& ui, command_queue& commands);

}  // namespace throng::panel
