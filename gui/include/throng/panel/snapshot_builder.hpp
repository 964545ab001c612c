#pragma once
// Assembles panel_snapshots from the operator stream: keeps the per-second
// history for the charts and enough cumulative histograms (one per second
// for the last minute, per region) to cut the last second and the last
// minute out of them. Owned by the network thread.

#include <memory>
#include <string>

#include "control.pb.h"
#include "throng/panel/panel_snapshot.hpp"
#include "throng/panel/ring_buffer.hpp"

namespace throng::panel {

class snapshot_builder {
 public:
  explicit snapshot_builder(std::size_t history_seconds = 600);

  // Returns false, changing nothing, when the link is already in that state
  // (a reconnect loop must not keep the UI busy redrawing the same picture).
  bool set_link(link_state state, const std::string& address, const std::string& message);
  void add(const control::RunSnapshot& snapshot);
  // The controller refused a command (e.g. an invalid scenario).
  void refused(const control::Refused& refusal);

  const panel_snapshot& current() const noexcept { return current_; }
  std::shared_ptr<const panel_snapshot> publish() const { return std::make_shared<const panel_snapshot>(current_); }

 private:
  struct chart_point {
    float active_users = 0, sends = 0, deliveries = 0, errors = 0;
    float e2e[3]{}, ack[3]{};  // p50, p95, p99 in ms
  };
  // The cumulative histograms as of `windows` complete seconds, per source.
  struct cumulative {
    std::uint64_t windows = 0;
    std::map<std::string, std::array<latency_view, 3>> by_source;  // [metric]
  };
  void reset_run();
  void add_point(const control::RunSnapshot& s);
  void add_cumulative(const control::RunSnapshot& s);
  void rebuild_histograms();
  span_histogram cut(const std::string& source, std::size_t metric, std::uint64_t seconds) const;

  panel_snapshot current_;
  std::size_t history_seconds_;
  ring_buffer<chart_point> points_;
  std::uint64_t last_point_second_ = 0;
  ring_buffer<cumulative> cumulative_{61};
};

}  // namespace throng::panel
