// How often this machine takes a core away: a thread pinned to each given
// core sleeps to an absolute deadline every 100 µs and records how late it
// woke. With nothing else on the core, a wake-up later than --threshold
// means the core did not run the thread (the hypervisor ran something else,
// or a kernel thread did). Latency percentiles of anything measured on such
// a core include these stalls, so the benchmarks print this beside them.
//
//   stall_probe [--cores 0,1] [--seconds 5] [--threshold-us 500]   (exit 1: a core could not be pinned)
#include <CLI/CLI.hpp>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <thread>
#include <vector>

namespace {

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1'000'000'000LL + t.tv_nsec;
}

struct core_result {
  unsigned core = 0;
  bool pinned = false;
  std::uint64_t wakeups = 0;
  std::vector<std::int64_t> stalls_ns;  // lateness of each wake-up past the threshold
  std::int64_t lost_ns = 0;             // their lateness summed: time the core was not ours
  std::map<int, unsigned> phase;        // stall count by its millisecond within each 100 ms
};

core_result probe(unsigned core, double seconds, std::int64_t threshold_ns) {
  core_result r;
  r.core = core;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  r.pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
  constexpr std::int64_t period = 100'000;
  const std::int64_t end = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
  std::int64_t next = now_ns();
  while (now_ns() < end) {
    next += period;
    const timespec at{static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    const std::int64_t woke = now_ns();
    const std::int64_t late = woke - next;
    ++r.wakeups;
    if (late > threshold_ns) {
      r.stalls_ns.push_back(late);
      r.lost_ns += late;
      ++r.phase[static_cast<int>(next / 1'000'000 % 100)];
    }
    if (woke > next + period) next = woke;  // after a stall, carry on from now: no burst of catch-up wake-ups
  }
  return r;
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<unsigned> cores;  // default: every core this process may run on
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (unsigned c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cores.push_back(c);
  double seconds = 5;
  double threshold_us = 500;
  CLI::App app{"stall_probe: how often and how long this machine stalls each core (timer wake-ups every 100 us)"};
  app.add_option("--cores", cores, "cores to probe, one thread pinned to each (default: every core allowed)")
      ->delimiter(',')
      ->check(CLI::Range(0u, static_cast<unsigned>(CPU_SETSIZE - 1)));
  app.add_option("--seconds", seconds, "how long")->check(CLI::Range(0.1, 600.0))->capture_default_str();
  app.add_option("--threshold-us", threshold_us, "a wake-up this late counts as a stall")
      ->check(CLI::Range(50.0, 100000.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto threshold = static_cast<std::int64_t>(threshold_us * 1000);
  std::vector<core_result> results(cores.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < cores.size(); ++i)
    threads.emplace_back([&, i] { results[i] = probe(cores[i], seconds, threshold); });
  for (auto& t : threads) t.join();

  std::printf("stall probe: wake-ups every 100 us for %.1f s on each core; a stall is a wake-up more than %.0f us late\n",
              seconds, threshold_us);
  int exit_code = 0;
  for (auto& r : results) {
    if (!r.pinned) {
      std::printf("  core %u: could not pin a thread to it\n", r.core);
      exit_code = 1;
      continue;
    }
    std::sort(r.stalls_ns.begin(), r.stalls_ns.end());
    const std::size_t n = r.stalls_ns.size();
    std::printf("  core %u: %zu stalls in %llu wake-ups (%.1f/s)", r.core, n, static_cast<unsigned long long>(r.wakeups),
                static_cast<double>(n) / seconds);
    if (n) {
      // A periodic source shows as stalls at one phase of each 100 ms (within a millisecond either side).
      unsigned periodic = 0;
      int at = 0;
      for (int p = 0; p < 100; ++p) {
        unsigned around = 0;
        for (int d = -1; d <= 1; ++d) {
          const auto it = r.phase.find((p + d + 100) % 100);
          if (it != r.phase.end()) around += it->second;
        }
        if (around > periodic) periodic = around, at = p;
      }
      std::printf(", median %.2f ms, max %.2f ms, %.2f%% of the time lost; %u of them %d±1 ms into a 100 ms period",
                  ms(r.stalls_ns[(n - 1) / 2]), ms(r.stalls_ns.back()), 100.0 * ms(r.lost_ns) / (seconds * 1e3), periodic, at);
    }
    std::printf("\n");
  }
  return exit_code;
}
