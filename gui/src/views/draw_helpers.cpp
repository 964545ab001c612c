#include <fmt/format.h>

#include "views.hpp"

namespace throng::panel {

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

canvas begin_canvas(const char* id, ImVec2 size) {
  canvas c;
  c.origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  c.hovered = ImGui::IsItemHovered();
  c.end = ImVec2(c.origin.x + size.x, c.origin.y + size.y);
  c.draw = ImGui::GetWindowDrawList();
  c.draw->AddRect(c.origin, c.end, IM_COL32(255, 255, 255, 40), 3);  // an outline, not a fill: fill rate is dear on software GL
  return c;
}

}  // namespace throng::panel
