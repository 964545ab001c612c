#pragma once
// One function per view; draw_panel lays them out. Shared drawing helpers.

#include <imgui.h>

#include <string>

#include "throng/common/units.hpp"  // format_duration, format_count
#include "throng/panel/panel_ui.hpp"

namespace throng::panel {

void draw_connection_bar(const panel_snapshot& s, ui_state& ui, command_queue& commands);
void draw_run_control(const panel_snapshot& s, ui_state& ui, command_queue& commands);
void draw_live_charts(const panel_snapshot& s);
void draw_latency_histogram(const panel_snapshot& s, ui_state& ui);
void draw_agents_table(const panel_snapshot& s, ui_state& ui);
void draw_thresholds(const panel_snapshot& s);
void draw_correctness(const panel_snapshot& s);

namespace colors {
inline const ImVec4 good{0.35f, 0.85f, 0.45f, 1};
inline const ImVec4 bad{0.95f, 0.35f, 0.30f, 1};
inline const ImVec4 warn{0.95f, 0.75f, 0.25f, 1};
inline const ImVec4 muted{0.6f, 0.6f, 0.65f, 1};
}  // namespace colors

std::string format_bytes(double bytes);    // 812 B, 12.3 KiB, 4.50 MiB

// A plot area: an item the mouse can hover, outlined, with its draw list.
struct canvas {
  ImVec2 origin, end;
  bool hovered = false;
  ImDrawList* draw = nullptr;
};
canvas begin_canvas(const char* id, ImVec2 size);

}  // namespace throng::panel
