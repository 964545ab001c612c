// Delivery correctness: what should have arrived against what did, the
// per-room sequence checks, and wire against logical bytes.

#include "views.hpp"

namespace throng::panel {

namespace {

void counter_row(const char* name, std::uint64_t value, bool zero_is_good) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(name);
  ImGui::TableNextColumn();
  const auto text = format_count(static_cast<double>(value));
  if (zero_is_good) ImGui::TextColored(value ? colors::bad : colors::good, "%s", text.c_str());
  else ImGui::TextUnformatted(text.c_str());
}

void bytes_row(const char* name, std::uint64_t wire, std::uint64_t logical) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(name);
  ImGui::TableNextColumn();
  ImGui::Text("%s wire / %s logical", format_bytes(static_cast<double>(wire)).c_str(),
              format_bytes(static_cast<double>(logical)).c_str());
  if (logical) {
    ImGui::SameLine();
    ImGui::TextDisabled("(x%.2f)", static_cast<double>(wire) / static_cast<double>(logical));
  }
}

}  // namespace

void draw_correctness(const panel_snapshot& s) {
  const auto& t = s.totals;
  if (!ImGui::BeginTable("correctness", 2, ImGuiTableFlags_SizingStretchProp)) return;
  counter_row("sent", t.sent, false);
  counter_row("acked", t.acked, false);
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted("delivered / expected");
  ImGui::TableNextColumn();
  ImGui::Text("%s / %s", format_count(static_cast<double>(t.delivered)).c_str(),
              t.expected ? format_count(static_cast<double>(t.expected)).c_str() : "-");
  counter_row("lost", t.lost, true);
  counter_row("duplicated", t.duplicated, true);
  counter_row("out of order", t.out_of_order, true);
  counter_row("errors", t.errors, true);
  bytes_row("in", t.wire_in, t.logical_in);
  bytes_row("out", t.wire_out, t.logical_out);
  ImGui::EndTable();
}

}  // namespace throng::panel
