// CPU time for the controller to take in one second of reports from N agents:
// decode each StatsReport, merge it into the window, its tags (scenario,
// group, region) and the run total, and emit the completed window.
// Reports are realistic: every agent's latencies spread over hundreds of
// histogram buckets. Prints the median, p90 and max over the windows.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "control.pb.h"
#include "throng/common/run_stats.hpp"
#include "throng/controller/aggregator.hpp"

namespace {

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// One agent's second: 50 users sending 2/s into rooms of 50 (5,000 deliveries).
std::string make_report(const std::string& id, std::uint64_t window, std::mt19937_64& random) {
  throng::run_stats s;
  std::lognormal_distribution<double> e2e_ms(std::log(4.0), 0.6), connect_ms(std::log(30.0), 0.3);
  s.counters.sent = 100;
  s.counters.acked = 100;
  s.counters.delivered = 5000;
  s.counters.expected = 5000;
  s.counters.wire_bytes_in = 5000 * 120;
  for (int i = 0; i < 5000; ++i) s.e2e.record(static_cast<std::int64_t>(e2e_ms(random) * 1e6));
  for (int i = 0; i < 5000; ++i) s.e2e_local.record(static_cast<std::int64_t>(e2e_ms(random) * 1e6));
  for (int i = 0; i < 100; ++i) s.ack.record(static_cast<std::int64_t>(e2e_ms(random) * 0.8e6));
  for (int i = 0; i < 100; ++i) s.ack_actual.record(static_cast<std::int64_t>(e2e_ms(random) * 0.8e6));
  for (int i = 0; i < 100; ++i) s.agent_added.record(static_cast<std::int64_t>(e2e_ms(random) * 0.05e6));
  for (int i = 0; i < 5; ++i) s.connect.record(static_cast<std::int64_t>(connect_ms(random) * 1e6));
  throng::control::StatsReport r;
  r.set_agent_id(id);
  r.set_window(window);
  r.set_active_users(50);
  s.to_proto(*r.mutable_counters(), *r.mutable_latencies());
  return r.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned agents = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 1000;
  const unsigned windows = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 15;
  std::mt19937_64 random(42);
  std::vector<throng::controller::agent_entry> entries;
  for (unsigned a = 0; a < agents; ++a)
    entries.push_back({fmt::format("agent-{:05}", a), 0, a % 2 ? "chat" : "lurk", a % 2 ? "chat/default" : "lurk/default",
                       fmt::format("region-{}", a % 8)});
  // Reports are built first (not timed): a few distinct ones per window, reused across agents with their ids.
  std::vector<std::vector<std::string>> wire(windows);
  std::size_t bytes = 0;
  for (unsigned w = 0; w < windows; ++w)
    for (unsigned a = 0; a < agents; ++a) {
      wire[w].push_back(make_report(entries[a].id, w, random));
      bytes += wire[w].back().size();
    }

  throng::controller::aggregator aggregator(entries);
  std::vector<double> ms;
  std::size_t emitted = 0;
  throng::control::StatsReport report;
  for (unsigned w = 0; w < windows; ++w) {
    const auto before = thread_cpu_ns();
    for (const auto& payload : wire[w]) {
      report.ParseFromString(payload);
      emitted += aggregator.add(report).size();
    }
    ms.push_back(static_cast<double>(thread_cpu_ns() - before) / 1e6);
  }
  if (emitted != windows || aggregator.total().counters.delivered != 5000ULL * agents * windows) {
    fmt::print(stderr, "merge_bench: wrong result: {} windows emitted, {} delivered\n", emitted,
               aggregator.total().counters.delivered);
    return 1;
  }
  std::sort(ms.begin(), ms.end());
  fmt::print("controller merge: {} agents x {} windows, {:.1f} KiB per report on the wire (5,000 e2e samples each), "
             "3 tags per agent, one thread\n",
             agents, windows, static_cast<double>(bytes) / (agents * windows) / 1024);
  fmt::print("cpu ms per one-second window: median {:.1f}  p90 {:.1f}  max {:.1f}  (target <= 50 ms at 1000 agents)\n",
             ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
  return 0;
}
