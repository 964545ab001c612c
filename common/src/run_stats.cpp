#include "throng/common/run_stats.hpp"

#include <fmt/format.h>

#include <utility>

#include "throng/common/units.hpp"

#include "stats.pb.h"

namespace throng {

namespace {
constexpr counter_field counter_table[] = {
    {"sent", &run_counters::sent, &stats::Counters::sent, &stats::Counters::set_sent},
    {"acked", &run_counters::acked, &stats::Counters::acked, &stats::Counters::set_acked},
    {"delivered", &run_counters::delivered, &stats::Counters::delivered, &stats::Counters::set_delivered},
    {"expected", &run_counters::expected, &stats::Counters::expected, &stats::Counters::set_expected},
    {"lost", &run_counters::lost, &stats::Counters::lost, &stats::Counters::set_lost},
    {"duplicated", &run_counters::duplicated, &stats::Counters::duplicated, &stats::Counters::set_duplicated},
    {"out_of_order", &run_counters::out_of_order, &stats::Counters::out_of_order, &stats::Counters::set_out_of_order},
    {"dropped", &run_counters::dropped, &stats::Counters::dropped, &stats::Counters::set_dropped},
    {"errors", &run_counters::errors, &stats::Counters::errors, &stats::Counters::set_errors},
    {"disconnects", &run_counters::disconnects, &stats::Counters::disconnects, &stats::Counters::set_disconnects},
    {"reconnects", &run_counters::reconnects, &stats::Counters::reconnects, &stats::Counters::set_reconnects},
    {"connects", &run_counters::connects, &stats::Counters::connects, &stats::Counters::set_connects},
    {"connect_errors", &run_counters::connect_errors, &stats::Counters::connect_errors, &stats::Counters::set_connect_errors},
    {"wire_bytes_out", &run_counters::wire_bytes_out, &stats::Counters::wire_bytes_out, &stats::Counters::set_wire_bytes_out},
    {"wire_bytes_in", &run_counters::wire_bytes_in, &stats::Counters::wire_bytes_in, &stats::Counters::set_wire_bytes_in},
    {"logical_bytes_out", &run_counters::logical_bytes_out, &stats::Counters::logical_bytes_out, &stats::Counters::set_logical_bytes_out},
    {"logical_bytes_in", &run_counters::logical_bytes_in, &stats::Counters::logical_bytes_in, &stats::Counters::set_logical_bytes_in},
    {"agent_added_unknown", &run_counters::agent_added_unknown, &stats::Counters::agent_added_unknown,
     &stats::Counters::set_agent_added_unknown, true},
};

constexpr latency_field latency_table[] = {
    {"connect", &run_stats::connect, &stats::Latencies::connect, &stats::Latencies::mutable_connect},
    {"ack", &run_stats::ack, &stats::Latencies::ack, &stats::Latencies::mutable_ack},
    {"e2e", &run_stats::e2e, &stats::Latencies::e2e, &stats::Latencies::mutable_e2e},
    {"history", &run_stats::history, &stats::Latencies::history, &stats::Latencies::mutable_history},
    {"ack_actual_send", &run_stats::ack_actual, &stats::Latencies::ack_actual, &stats::Latencies::mutable_ack_actual},
    {"e2e_same_agent", &run_stats::e2e_local, &stats::Latencies::e2e_local, &stats::Latencies::mutable_e2e_local},
    {"agent_added", &run_stats::agent_added, &stats::Latencies::agent_added, &stats::Latencies::mutable_agent_added},
};
}  // namespace

std::span<const counter_field> counter_fields() { return counter_table; }
std::span<const latency_field> latency_fields() { return latency_table; }

void run_counters::merge(const run_counters& other) {
  for (const auto& f : counter_table) this->*f.member += other.*f.member;
  for (const auto& [code, n] : other.errors_by_code) errors_by_code[code] += n;
}

void run_counters::to_proto(stats::Counters& out) const {
  for (const auto& f : counter_table) (out.*f.set)(this->*f.member);
  auto& codes = *out.mutable_errors_by_code();
  for (const auto& [code, n] : errors_by_code) codes[code] = n;
}

void run_counters::add_from_proto(const stats::Counters& in) {
  for (const auto& f : counter_table) this->*f.member += (in.*f.get)();
  for (const auto& [code, n] : in.errors_by_code()) errors_by_code[code] += n;
}

void run_stats::merge(const run_stats& other) {
  counters.merge(other.counters);
  for (const auto& f : latency_table) (this->*f.member).merge(other.*f.member);
}

void run_stats::reset() {
  counters = {};
  for (const auto& f : latency_table) (this->*f.member).reset();
}

void run_stats::swap(run_stats& other) noexcept {
  std::swap(counters, other.counters);
  for (const auto& f : latency_table) std::swap(this->*f.member, other.*f.member);
}

void run_stats::to_proto(stats::Counters& counters_out, stats::Latencies& latencies_out) const {
  counters.to_proto(counters_out);
  for (const auto& f : latency_table) (this->*f.member).to_proto(*(latencies_out.*f.mutable_get)());
}

bool run_stats::add_from_proto(const stats::Counters& counters_in, const stats::Latencies& latencies_in) {
  counters.add_from_proto(counters_in);
  bool ok = true;
  for (const auto& f : latency_table) {
    const auto& wire = (latencies_in.*f.get)();
    if (wire.counts_size() == 0) continue;  // the field was absent or empty
    if (!(this->*f.member).merge_proto(wire)) ok = false;
  }
  return ok;
}

namespace {
std::string latency_row(const char* name, const histogram& h) {
  if (h.count() == 0) return fmt::format("  {:<10}{:>10}\n", name, 0);
  return fmt::format("  {:<10}{:>10}{:>11}{:>11}{:>11}{:>11}{:>11}\n", name, format_count(static_cast<double>(h.count())),
                     format_duration(h.percentile(50)), format_duration(h.percentile(95)),
                     format_duration(h.percentile(99)), format_duration(h.max()),
                     format_duration(static_cast<std::int64_t>(h.mean())));
}
}  // namespace

std::string format_stats_tables(const run_stats& s) {
  const auto& c = s.counters;
  std::string text;
  text += fmt::format("  {:<10}{:>10}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "messages", "sent", "acked", "delivered",
                      "expected", "lost", "dropped", "errors");
  text += fmt::format("  {:<10}{:>10}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n\n", "", c.sent, c.acked, c.delivered,
                      c.expected, c.lost, c.dropped, c.errors);
  text += fmt::format("  {:<10}{:>10}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "latency", "count", "p50", "p95", "p99", "max",
                      "mean");
  text += latency_row("connect", s.connect);
  text += latency_row("ack", s.ack);
  text += latency_row("e2e", s.e2e);
  text += latency_row("history", s.history);
  // Only agents measure their own part (acks read with the kernel's receive time).
  if (s.agent_added.count()) {
    text += latency_row("overhead", s.agent_added);
    text += "  overhead: the agents' own part of ack (intended send -> its write, the kernel's receipt -> record)\n";
  }
  if (const auto unknown = c.agent_added_unknown)
    text += fmt::format("  overhead not known for {} of {} acks ({:.1f}%): each came with another message after it in one\n"
                        "  read, its send waited behind a full socket, or it came over 4,096 of its worker's writes\n"
                        "  later; they are left out of the overhead figures\n",
                        unknown, c.acked, c.acked ? 100.0 * static_cast<double>(unknown) / static_cast<double>(c.acked) : 0.0);
  return text;
}

std::string format_stats_details(const run_counters& c) {
  std::string text;
  text += fmt::format("  duplicated {}  out of order {}  disconnects {}  reconnects {}  connect errors {}\n", c.duplicated,
                      c.out_of_order, c.disconnects, c.reconnects, c.connect_errors);
  text += fmt::format("  bytes out {} wire / {} logical, in {} wire / {} logical\n",
                      format_count(static_cast<double>(c.wire_bytes_out)),
                      format_count(static_cast<double>(c.logical_bytes_out)),
                      format_count(static_cast<double>(c.wire_bytes_in)),
                      format_count(static_cast<double>(c.logical_bytes_in)));
  for (const auto& [code, n] : c.errors_by_code) text += fmt::format("  error {}: {}\n", code, n);
  return text;
}

}  // namespace throng
