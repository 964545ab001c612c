// Every agent of the run, sortable by any column; saturated, lagging or
// failed agents highlighted. Only the visible rows are drawn (a clipper), so
// thousands of agents stay smooth.

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "views.hpp"

namespace throng::panel {

namespace {

enum column { c_id, c_region, c_group, c_state, c_users, c_sends, c_lag, c_cpu, c_offset, c_error, c_count };

bool less(const agent_row& a, const agent_row& b, int column) {
  switch (column) {
    case c_id: return a.id < b.id;
    case c_region: return a.region < b.region;
    case c_group: return a.group < b.group;
    case c_state: return a.state < b.state;
    case c_users: return a.active_users < b.active_users;
    case c_sends: return a.sends_per_s < b.sends_per_s;
    case c_lag: return a.loop_lag_ms < b.loop_lag_ms;
    case c_cpu: return a.cpu_percent < b.cpu_percent;
    case c_offset: return a.clock_offset_ms < b.clock_offset_ms;
    case c_error: return a.clock_error_ms < b.clock_error_ms;
  }
  return false;
}

void sort_rows(const panel_snapshot& s, ui_state& ui, const ImGuiTableSortSpecs* specs) {
  ui.agent_order.resize(s.agents.size());
  std::iota(ui.agent_order.begin(), ui.agent_order.end(), 0);
  if (!specs || specs->SpecsCount == 0) return;
  std::stable_sort(ui.agent_order.begin(), ui.agent_order.end(), [&](int x, int y) {
    const auto &a = s.agents[static_cast<std::size_t>(x)], &b = s.agents[static_cast<std::size_t>(y)];
    for (int k = 0; k < specs->SpecsCount; ++k) {
      const auto& spec = specs->Specs[k];
      const bool ascending = spec.SortDirection == ImGuiSortDirection_Ascending;
      if (less(a, b, spec.ColumnIndex)) return ascending;
      if (less(b, a, spec.ColumnIndex)) return !ascending;
    }
    return false;
  });
}

}  // namespace

void draw_agents_table(const panel_snapshot& s, ui_state& ui) {
  std::size_t flagged = 0;
  for (const auto& a : s.agents) flagged += a.saturated ? 1 : 0;
  ImGui::Text("agents: %zu", s.agents.size());
  if (flagged) {
    ImGui::SameLine();
    ImGui::TextColored(colors::bad, "%zu saturated, lagging or failed (their latencies include their own queueing)", flagged);
  }
  const auto flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti | ImGuiTableFlags_BordersV | ImGuiTableFlags_BordersOuterH |
                     ImGuiTableFlags_Resizable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("agents", c_count, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("id", ImGuiTableColumnFlags_DefaultSort);
  ImGui::TableSetupColumn("region");
  ImGui::TableSetupColumn("group");
  ImGui::TableSetupColumn("state");
  ImGui::TableSetupColumn("users");
  ImGui::TableSetupColumn("sends/s");
  ImGui::TableSetupColumn("loop lag");
  ImGui::TableSetupColumn("CPU");
  ImGui::TableSetupColumn("clock offset");
  ImGui::TableSetupColumn("± error");
  ImGui::TableHeadersRow();

  auto* specs = ImGui::TableGetSortSpecs();
  if ((specs && specs->SpecsDirty) || ui.agents_sorted_for != s.version || ui.agent_order.size() != s.agents.size()) {
    sort_rows(s, ui, specs);
    if (specs) specs->SpecsDirty = false;
    ui.agents_sorted_for = s.version;
  }

  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(ui.agent_order.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const auto& a = s.agents[static_cast<std::size_t>(ui.agent_order[static_cast<std::size_t>(r)])];
      ImGui::TableNextRow();
      if (a.saturated) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(120, 40, 40, 160));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(a.id.c_str());
      if (!a.message.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", a.message.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(a.region.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(a.group.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(a.state.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%u / %llu", a.active_users, static_cast<unsigned long long>(a.planned_users));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_count(a.sends_per_s).c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.2f ms", a.loop_lag_ms);
      ImGui::TableNextColumn();
      ImGui::Text("%.0f%%", a.cpu_percent);
      ImGui::TableNextColumn();
      ImGui::Text("%+.3f ms", a.clock_offset_ms);
      ImGui::TableNextColumn();
      ImGui::Text("%.3f ms", a.clock_error_ms);
    }
  }
  ImGui::EndTable();
}

}  // namespace throng::panel
