// Scrolling per-second charts drawn from ImGui primitives: users, sends,
// deliveries and errors per second; p50/p95/p99 of e2e and ack.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "views.hpp"

namespace throng::panel {

namespace {

struct line {
  const char* name;
  const std::vector<float>* values;
  ImU32 color;
};

// A round axis maximum at or above `v`: 1, 2 or 5 times a power of ten.
float nice_ceiling(float v) {
  if (!(v > 0)) return 1;
  const float p = std::pow(10.0f, std::floor(std::log10(v)));
  for (float m : {1.0f, 2.0f, 5.0f, 10.0f})
    if (m * p >= v) return m * p;
  return 10 * p;
}

void draw_chart(const char* title, std::initializer_list<line> lines, std::uint64_t first_second, bool milliseconds,
                ImVec2 size) {
  ImGui::PushID(title);
  const auto [origin, end, hovered, dl] = begin_canvas("chart", size);

  std::size_t n = 0;
  float top = 0;
  for (const auto& l : lines) {
    n = std::max(n, l.values->size());
    for (float v : *l.values) top = std::max(top, v);
  }
  top = nice_ceiling(top * 1.1f);  // headroom: a flat line stays off the top edge
  const float text_h = ImGui::GetTextLineHeight();
  const ImVec2 plot0(origin.x + 4, origin.y + text_h + 2), plot1(end.x - 4, end.y - 2);
  const auto value_text = [&](float v) { return milliseconds ? format_duration(static_cast<std::int64_t>(v * 1e6)) : format_count(v); };

  // Title, legend and scale on the top line; a grid line at half scale.
  std::string header = fmt::format("{}  (max {})", title, value_text(top));
  dl->AddText(ImVec2(origin.x + 4, origin.y + 1), ImGui::GetColorU32(ImGuiCol_Text), header.c_str());
  float legend_x = origin.x + 8 + ImGui::CalcTextSize(header.c_str()).x + 8;
  if (lines.size() > 1)
    for (const auto& l : lines) {
      dl->AddText(ImVec2(legend_x, origin.y + 1), l.color, l.name);
      legend_x += ImGui::CalcTextSize(l.name).x + 8;
    }
  const float mid_y = 0.5f * (plot0.y + plot1.y);
  dl->AddLine(ImVec2(plot0.x, mid_y), ImVec2(plot1.x, mid_y), IM_COL32(255, 255, 255, 25));
  if (n == 0) {
    dl->AddText(ImVec2(plot0.x, mid_y - text_h / 2), ImGui::GetColorU32(ImGuiCol_TextDisabled), "no data yet");
    ImGui::PopID();
    return;
  }
  const float dx = n > 1 ? (plot1.x - plot0.x) / static_cast<float>(n - 1) : 0;
  const auto y_of = [&](float v) { return plot1.y - (plot1.y - plot0.y) * std::clamp(v / top, 0.0f, 1.0f); };
  // At most one vertex per `pixels_per_point` pixels, each the highest value
  // of the seconds it stands for (spikes stay visible): software GL pays per
  // triangle, and more points than pixels show nothing more.
  constexpr float pixels_per_point = 3;
  const std::size_t stride = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(pixels_per_point / std::max(dx, 1e-3f))));
  static thread_local std::vector<ImVec2> points;
  for (const auto& l : lines) {
    points.clear();
    const std::size_t offset = n - l.values->size();  // right-aligned: the newest at the right edge
    for (std::size_t i = 0; i < l.values->size(); i += stride) {
      const std::size_t last = std::min(i + stride, l.values->size());
      const float peak = *std::max_element(l.values->begin() + static_cast<std::ptrdiff_t>(i),
                                           l.values->begin() + static_cast<std::ptrdiff_t>(last));
      points.emplace_back(plot0.x + dx * static_cast<float>(last - 1 + offset), y_of(peak));
    }
    dl->AddPolyline(points.data(), static_cast<int>(points.size()), l.color, ImDrawFlags_None, 1.0f);
  }
  if (hovered && n > 1) {
    const float mx = ImGui::GetIO().MousePos.x;
    const auto i = static_cast<std::size_t>(std::clamp(std::lround((mx - plot0.x) / dx), 0L, static_cast<long>(n - 1)));
    const float x = plot0.x + dx * static_cast<float>(i);
    dl->AddLine(ImVec2(x, plot0.y), ImVec2(x, plot1.y), IM_COL32(255, 255, 255, 90));
    std::string tip = fmt::format("second {}", first_second + i);
    for (const auto& l : lines)
      if (i >= n - l.values->size()) tip += fmt::format("\n{}: {}", l.name, value_text((*l.values)[i - (n - l.values->size())]));
    ImGui::SetTooltip("%s", tip.c_str());
  }
  ImGui::PopID();
}

}  // namespace

void draw_live_charts(const panel_snapshot& s) {
  const auto& c = s.charts;
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = std::max(60.0f, (ImGui::GetContentRegionAvail().y - 5 * ImGui::GetStyle().ItemSpacing.y) / 6);
  const ImVec2 size(w, h);
  const ImU32 blue = IM_COL32(90, 160, 240, 255), green = IM_COL32(100, 210, 120, 255), red = IM_COL32(240, 90, 80, 255),
              yellow = IM_COL32(240, 200, 80, 255);
  draw_chart("active users", {{"users", &c.active_users, blue}}, c.first_second, false, size);
  draw_chart("sends/s", {{"sends", &c.sends, green}}, c.first_second, false, size);
  draw_chart("deliveries/s", {{"deliveries", &c.deliveries, blue}}, c.first_second, false, size);
  draw_chart("errors/s", {{"errors", &c.errors, red}}, c.first_second, false, size);
  draw_chart("e2e", {{"p50", &c.e2e_p50, green}, {"p95", &c.e2e_p95, yellow}, {"p99", &c.e2e_p99, red}}, c.first_second,
             true, size);
  draw_chart("ack", {{"p50", &c.ack_p50, green}, {"p95", &c.ack_p95, yellow}, {"p99", &c.ack_p99, red}}, c.first_second,
             true, size);
}

}  // namespace throng::panel
