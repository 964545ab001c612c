// Run control: the scenario to start (its validation errors inline), start,
// stop, the rate multiplier, the run clock and the scenario's timeline.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "views.hpp"

namespace throng::panel {

namespace {

void send(command_queue& commands, control::OperatorCommand command) {
  commands.push({panel_command::kind::send, {}, {}, std::move(command)});
}

// Lanes of marks (one per group, then events) over the run, with a cursor at the run clock.
void draw_timeline(const panel_snapshot& s) {
  if (s.timeline.empty()) return;
  std::vector<std::string> lanes;
  std::int64_t end_ns = std::max<std::int64_t>(s.duration_ns, 1);
  for (const auto& m : s.timeline) {
    if (std::find(lanes.begin(), lanes.end(), m.lane) == lanes.end()) lanes.push_back(m.lane);
    end_ns = std::max(end_ns, m.at_ns + m.length_ns);
  }
  const float lane_h = ImGui::GetTextLineHeight() + 4;
  const float label_w = 140;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = std::max(ImGui::GetContentRegionAvail().x, label_w + 50);
  const float height = lane_h * static_cast<float>(lanes.size());
  ImGui::InvisibleButton("timeline", ImVec2(width, height));
  auto* dl = ImGui::GetWindowDrawList();
  const float x0 = origin.x + label_w, x1 = origin.x + width;
  const auto x_of = [&](std::int64_t ns) {
    return x0 + (x1 - x0) * static_cast<float>(static_cast<double>(ns) / static_cast<double>(end_ns));
  };
  static const ImU32 palette[] = {IM_COL32(70, 130, 200, 200), IM_COL32(90, 170, 110, 200), IM_COL32(190, 140, 60, 200),
                                  IM_COL32(160, 90, 180, 200)};
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const timeline_mark* hovered = nullptr;
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    const float y = origin.y + lane_h * static_cast<float>(l);
    dl->AddText(ImVec2(origin.x, y + 2), ImGui::GetColorU32(ImGuiCol_TextDisabled), lanes[l].c_str());
    std::size_t k = 0;
    for (const auto& m : s.timeline) {
      if (m.lane != lanes[l]) continue;
      const ImVec2 a(x_of(m.at_ns), y + 1), b(std::max(x_of(m.at_ns + m.length_ns), x_of(m.at_ns) + 2), y + lane_h - 1);
      dl->AddRectFilled(a, b, palette[k++ % 4], 3);
      dl->PushClipRect(a, b, true);
      dl->AddText(ImVec2(a.x + 3, y + 2), IM_COL32(255, 255, 255, 230), m.label.c_str());
      dl->PopClipRect();
      if (mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y) hovered = &m;
    }
  }
  const float cursor = x_of(std::clamp<std::int64_t>(s.elapsed_ns, 0, end_ns));
  dl->AddLine(ImVec2(cursor, origin.y), ImVec2(cursor, origin.y + height), IM_COL32(255, 80, 80, 255), 2);
  if (hovered && ImGui::IsItemHovered())
    ImGui::SetTooltip("%s: %s\nfrom %s for %s", hovered->lane.c_str(), hovered->label.c_str(),
                      format_duration(hovered->at_ns).c_str(),
                      format_duration(hovered->length_ns).c_str());
}

}  // namespace

void draw_run_control(const panel_snapshot& s, ui_state& ui, command_queue& commands) {
  const bool connected = s.state == link_state::connected;
  const bool waiting = s.phase == "waiting";
  const bool live = s.phase == "running" || s.phase == "connecting";

  ImGui::SetNextItemWidth(320);
  ImGui::InputText("scenario", ui.scenario_path, sizeof ui.scenario_path);
  ImGui::SameLine();
  // The enabling conditions are checked again on press: ImGui 1.86 still
  // presses a disabled button whose activation is requested by id (as the
  // headless test does).
  const bool can_start = connected && waiting, can_steer = connected && live;
  ImGui::BeginDisabled(!can_start);
  if (ImGui::Button("Start") && can_start) {
    control::OperatorCommand c;
    c.set_start_scenario_path(ui.scenario_path);
    send(commands, std::move(c));
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!can_steer);
  if (ImGui::Button("Stop") && can_steer) {
    control::OperatorCommand c;
    c.mutable_stop()->set_reason("stopped from the panel");
    send(commands, std::move(c));
  }
  ImGui::SameLine();
  if (!ui.rate_held) ui.rate_multiplier = static_cast<float>(s.rate_multiplier);
  ImGui::SetNextItemWidth(200);
  ImGui::SliderFloat("rate", &ui.rate_multiplier, 0.1f, 10.0f, "x%.2f", ImGuiSliderFlags_Logarithmic);
  ui.rate_held = ImGui::IsItemActive();
  if (ImGui::IsItemDeactivatedAfterEdit() && can_steer) {
    control::OperatorCommand c;
    c.mutable_adjust()->set_rate_multiplier(ui.rate_multiplier);
    send(commands, std::move(c));
  }
  ImGui::EndDisabled();

  // The run clock.
  ImGui::SameLine();
  if (s.run_id.empty()) {
    ImGui::TextDisabled("%s", waiting ? "waiting for a scenario" : "no run");
  } else {
    const float done = s.duration_ns > 0 ? static_cast<float>(static_cast<double>(s.elapsed_ns) / static_cast<double>(s.duration_ns)) : 0;
    const auto clock = fmt::format("{} {}  {} / {}", s.scenario, s.phase, format_duration(s.elapsed_ns),
                                   format_duration(s.duration_ns));
    ImGui::ProgressBar(std::clamp(done, 0.0f, 1.0f), ImVec2(-1, 0), clock.c_str());
  }

  if (!s.refusal.empty()) ImGui::TextColored(colors::bad, "%s", s.scenario_problems.empty() ? s.refusal.c_str() : "the scenario is not valid:");
  for (const auto& p : s.scenario_problems)
    ImGui::TextColored(colors::bad, "  line %u, column %u  %s: %s", p.line, p.column, p.path.c_str(), p.message.c_str());
  for (const auto& p : s.problems) ImGui::TextColored(colors::warn, "%s", p.c_str());
  draw_timeline(s);
}

}  // namespace throng::panel
