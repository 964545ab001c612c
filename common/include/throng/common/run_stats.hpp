#pragma once
// The measurements of one window (or of a whole run): the counters and
// latency histograms of DESIGN.md "What is measured". Agents fill one per
// worker and swap it out each second; the controller merges reports into the
// per-second timeline and the cumulative view. No locking inside.

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "throng/common/histogram.hpp"

namespace throng::stats { class Counters; class Latencies; class Histogram; }

namespace throng {

struct run_counters {
  std::uint64_t sent = 0, acked = 0, delivered = 0, expected = 0;
  std::uint64_t lost = 0, duplicated = 0, out_of_order = 0, dropped = 0;
  std::uint64_t errors = 0, disconnects = 0, reconnects = 0, connects = 0, connect_errors = 0;
  std::uint64_t wire_bytes_out = 0, wire_bytes_in = 0, logical_bytes_out = 0, logical_bytes_in = 0;
  // Acks whose agent_added could not be known (see run_stats::agent_added).
  std::uint64_t agent_added_unknown = 0;
  std::map<std::string, std::uint64_t> errors_by_code;

  void count_error(const std::string& code) { ++errors; ++errors_by_code[code]; }
  void merge(const run_counters& other);
  void to_proto(stats::Counters& out) const;
  void add_from_proto(const stats::Counters& in);
};

struct run_stats {
  run_counters counters;
  histogram connect, ack, e2e, history, ack_actual, e2e_local;
  // The agent's own part of each ack's latency: from the intended send time
  // to the end of the write that carried it, plus from the kernel's receipt of
  // the ack to its record. What lies between is the network's and the server's.
  // Only acks with both pieces known are in it; the others are counted in
  // counters.agent_added_unknown (their network time is not the agent's).
  histogram agent_added;

  void merge(const run_stats& other);
  void reset();
  // Swaps contents in O(1): the worker/reporter hand-over.
  void swap(run_stats& other) noexcept;
  void to_proto(stats::Counters& counters_out, stats::Latencies& latencies_out) const;
  // Adds a decoded report; false when a histogram does not match our configuration.
  bool add_from_proto(const stats::Counters& counters_in, const stats::Latencies& latencies_in);
};

// Every scalar counter and every histogram, with the names reports and
// metrics use and their proto accessors: the one list everything walks.
struct counter_field {
  const char* name;
  std::uint64_t run_counters::*member;
  std::uint64_t (stats::Counters::*get)() const;
  void (stats::Counters::*set)(std::uint64_t);
  bool added_later = false;  // absent from older reports, where it reads as 0
};
struct latency_field {
  const char* name;  // connect, ack, e2e, history, ack_actual_send, e2e_same_agent, agent_added
  histogram run_stats::*member;
  const stats::Histogram& (stats::Latencies::*get)() const;
  stats::Histogram* (stats::Latencies::*mutable_get)();
};
std::span<const counter_field> counter_fields();
std::span<const latency_field> latency_fields();

// The summary tables a person reads at the end of a run: messages and
// latencies, then the counters behind them (bytes, errors by code).
std::string format_stats_tables(const run_stats& s);
std::string format_stats_details(const run_counters& c);

}  // namespace throng
