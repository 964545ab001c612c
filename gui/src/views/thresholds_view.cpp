// Each threshold with its live value, green while it holds and red once it fails.

#include "views.hpp"

namespace throng::panel {

void draw_thresholds(const panel_snapshot& s) {
  if (s.thresholds.empty()) {
    ImGui::TextDisabled("no thresholds in this scenario");
    return;
  }
  if (!ImGui::BeginTable("thresholds", 3, ImGuiTableFlags_SizingStretchProp)) return;
  ImGui::TableSetupColumn("threshold");
  ImGui::TableSetupColumn("value");
  ImGui::TableSetupColumn("state");
  ImGui::TableHeadersRow();
  for (const auto& t : s.thresholds) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(t.name.c_str());
    if (t.abort_on_fail) {
      ImGui::SameLine();
      ImGui::TextDisabled("(aborts)");
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(t.evaluated ? t.value.c_str() : "-");
    ImGui::TableNextColumn();
    if (!t.evaluated) ImGui::TextColored(colors::warn, "no data");
    else ImGui::TextColored(t.passed ? colors::good : colors::bad, "%s", t.passed ? "pass" : "FAIL");
  }
  ImGui::EndTable();
}

}  // namespace throng::panel
