// Lays the views out over the whole window: the connection bar and run
// control on top; charts on the left; histogram, thresholds and delivery
// correctness on the right; the agents table below.

#include "throng/panel/panel_ui.hpp"

#include "views/views.hpp"

namespace throng::panel {

void draw_panel(const panel_snapshot& s, ui_state& ui, command_queue& commands) {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  const auto flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("throng-panel", nullptr, flags);
  draw_connection_bar(s, ui, commands);
  ImGui::Separator();
  draw_run_control(s, ui, commands);
  ImGui::Separator();

  const float avail_h = ImGui::GetContentRegionAvail().y;
  const float middle_h = std::max(300.0f, avail_h * 0.62f);
  const float left_w = ImGui::GetContentRegionAvail().x * 0.42f;
  ImGui::BeginChild("charts", ImVec2(left_w, middle_h));
  draw_live_charts(s);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(0, middle_h));
  const float right_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("histogram", ImVec2(0, right_h * 0.58f));
  draw_latency_histogram(s, ui);
  ImGui::EndChild();
  ImGui::BeginChild("thresholds", ImVec2(ImGui::GetContentRegionAvail().x * 0.55f, 0), true);
  draw_thresholds(s);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("correctness", ImVec2(0, 0), true);
  draw_correctness(s);
  ImGui::EndChild();
  ImGui::EndChild();

  draw_agents_table(s, ui);
  ImGui::End();
}

}  // namespace throng::panel
