// Live latency histogram on an ImDrawList canvas: log-spaced bins with decade
// labels, p50/p90/p99/p99.9 markers, a hover tooltip per bin, a choice of
// metric, span and region, and an overlay of every region.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "views.hpp"

namespace throng::panel {

namespace {

constexpr ImU32 region_colors[] = {IM_COL32(240, 200, 80, 255), IM_COL32(100, 210, 120, 255), IM_COL32(220, 110, 200, 255),
                                   IM_COL32(90, 200, 220, 255), IM_COL32(240, 130, 70, 255), IM_COL32(170, 170, 250, 255)};

const span_histogram* find(const panel_snapshot& s, const std::string& source, int metric, int span) {
  const auto it = s.histograms.find(source);
  if (it == s.histograms.end()) return nullptr;
  return &it->second[static_cast<std::size_t>(metric)][static_cast<std::size_t>(span)];
}

void draw_canvas(const panel_snapshot& s, const ui_state& ui, const span_histogram& main) {
  const log_bins& b = main.bins;
  const ImVec2 size(ImGui::GetContentRegionAvail().x, std::max(140.0f, ImGui::GetContentRegionAvail().y));
  const auto [origin, end, hovered, dl] = begin_canvas("histogram", size);
  const float text_h = ImGui::GetTextLineHeight();
  if (b.total == 0) {
    dl->AddText(ImVec2(origin.x + 8, origin.y + 8), ImGui::GetColorU32(ImGuiCol_TextDisabled), "no samples in this span yet");
    return;
  }

  // Whole decades around the samples, at least two.
  int first_decade = b.first_used / log_bins::per_decade, last_decade = b.last_used / log_bins::per_decade + 1;
  if (last_decade - first_decade < 2) last_decade = std::min(first_decade + 2, log_bins::decades);
  if (last_decade - first_decade < 2) first_decade = std::max(0, last_decade - 2);
  const int bin0 = first_decade * log_bins::per_decade, bin1 = last_decade * log_bins::per_decade;
  const float px0 = origin.x + 6, px1 = end.x - 6, py0 = origin.y + text_h + 6, py1 = end.y - text_h - 4;
  const float bin_w = (px1 - px0) / static_cast<float>(bin1 - bin0);
  const auto x_of_ns = [&](double ns) {
    const double bins = std::log10(std::max(ns, 1.0) / log_bins::lowest_ns) * log_bins::per_decade;
    return px0 + bin_w * static_cast<float>(std::clamp(bins - bin0, 0.0, static_cast<double>(bin1 - bin0)));
  };

  // Heights are shares of each histogram's samples, so regions compare.
  const auto share = [](const log_bins& h, int i) {
    return h.total ? static_cast<float>(h.bins[static_cast<std::size_t>(i)]) / static_cast<float>(h.total) : 0.0f;
  };
  struct overlay {
    const std::string* region;
    const span_histogram* histogram;
  };
  std::vector<overlay> overlays;
  if (ui.overlay_regions)
    for (const auto& source : s.sources)
      if (source != all_regions && source != ui.source)
        if (const auto* h = find(s, source, ui.metric, ui.span); h && h->bins.total) overlays.push_back({&source, h});
  float top = 0;
  for (int i = bin0; i < bin1; ++i) {
    top = std::max(top, share(b, i));
    for (const auto& o : overlays) top = std::max(top, share(o.histogram->bins, i));
  }
  const auto y_of = [&](float v) { return py1 - (py1 - py0) * (top > 0 ? v / top : 0); };

  for (int i = bin0; i < bin1; ++i) {
    if (!b.bins[static_cast<std::size_t>(i)]) continue;
    const float x = px0 + bin_w * static_cast<float>(i - bin0);
    dl->AddRectFilled(ImVec2(x + 1, y_of(share(b, i))), ImVec2(x + bin_w - 1, py1), IM_COL32(90, 160, 240, 220));
  }
  for (std::size_t k = 0; k < overlays.size(); ++k) {
    std::vector<ImVec2> outline;
    for (int i = bin0; i < bin1; ++i) {
      const float x = px0 + bin_w * static_cast<float>(i - bin0), y = y_of(share(overlays[k].histogram->bins, i));
      outline.emplace_back(x, y);
      outline.emplace_back(x + bin_w, y);
    }
    dl->AddPolyline(outline.data(), static_cast<int>(outline.size()), region_colors[k % 6], ImDrawFlags_None, 1.0f);
  }

  // Decade labels under the axis.
  for (int d = first_decade; d <= last_decade; ++d) {
    const float x = px0 + bin_w * static_cast<float>(d * log_bins::per_decade - bin0);
    dl->AddLine(ImVec2(x, py0), ImVec2(x, py1), IM_COL32(255, 255, 255, 30));
    const auto label = format_duration(static_cast<std::int64_t>(log_bins::lower_edge(d * log_bins::per_decade)));
    const float w = ImGui::CalcTextSize(label.c_str()).x;
    dl->AddText(ImVec2(std::clamp(x - w / 2, origin.x, end.x - w), py1 + 2), ImGui::GetColorU32(ImGuiCol_TextDisabled),
                label.c_str());
  }

  // Percentile markers, labelled along the top.
  static const char* names[] = {"p50", "p90", "p99", "p99.9"};
  static const ImU32 marker_colors[] = {IM_COL32(100, 210, 120, 255), IM_COL32(240, 200, 80, 255),
                                        IM_COL32(240, 130, 70, 255), IM_COL32(240, 80, 80, 255)};
  float label_x = origin.x + 6;
  for (std::size_t m = 0; m < b.markers.size(); ++m) {
    const float x = x_of_ns(static_cast<double>(b.markers[m]));
    dl->AddLine(ImVec2(x, py0), ImVec2(x, py1), marker_colors[m], 1.5f);
    const auto label = fmt::format("{} {}", names[m], format_duration(b.markers[m]));
    dl->AddText(ImVec2(label_x, origin.y + 2), marker_colors[m], label.c_str());
    label_x += ImGui::CalcTextSize(label.c_str()).x + 12;
  }
  for (std::size_t k = 0; k < overlays.size(); ++k) {
    // Which colour is which region.
    const auto& name = *overlays[k].region;
    dl->AddText(ImVec2(label_x, origin.y + 2), region_colors[k % 6], name.c_str());
    label_x += ImGui::CalcTextSize(name.c_str()).x + 12;
  }

  if (hovered) {
    const float mx = ImGui::GetIO().MousePos.x;
    const int i = std::clamp(bin0 + static_cast<int>((mx - px0) / bin_w), bin0, bin1 - 1);
    const float x = px0 + bin_w * static_cast<float>(i - bin0);
    dl->AddRect(ImVec2(x, py0), ImVec2(x + bin_w, py1), IM_COL32(255, 255, 255, 120));
    ImGui::SetTooltip("%s to %s\ncount %llu (%.2f%%)\ncumulative %.3f%%", format_duration(static_cast<std::int64_t>(log_bins::lower_edge(i))).c_str(),
                      format_duration(static_cast<std::int64_t>(log_bins::upper_edge(i))).c_str(),
                      static_cast<unsigned long long>(b.bins[static_cast<std::size_t>(i)]), 100.0 * share(b, i),
                      b.cumulative_percent(i));
  }
}

}  // namespace

void draw_latency_histogram(const panel_snapshot& s, ui_state& ui) {
  for (std::size_t m = 0; m < all_latency_metrics.size(); ++m) {
    if (m) ImGui::SameLine();
    ImGui::RadioButton(latency_metric_name(all_latency_metrics[m]), &ui.metric, static_cast<int>(m));
  }
  ImGui::SameLine(0, 20);
  for (std::size_t k = 0; k < all_spans.size(); ++k) {
    ImGui::SameLine();
    ImGui::RadioButton(span_name(all_spans[k]), &ui.span, static_cast<int>(k));
  }
  ImGui::SameLine(0, 20);
  ImGui::SetNextItemWidth(140);
  if (ImGui::BeginCombo("region", ui.source.c_str())) {
    for (const auto& source : s.sources)
      if (ImGui::Selectable(source.c_str(), source == ui.source)) ui.source = source;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("overlay regions", &ui.overlay_regions);

  const auto* h = find(s, ui.source, ui.metric, ui.span);
  if (!h && ui.source != all_regions) h = find(s, all_regions, ui.metric, ui.span);
  const span_histogram empty{};
  const auto& shown = h ? *h : empty;
  ImGui::TextDisabled("%s samples over %llu s", format_count(static_cast<double>(shown.bins.total)).c_str(),
                      static_cast<unsigned long long>(shown.seconds));
  draw_canvas(s, ui, shown);
}

}  // namespace throng::panel
