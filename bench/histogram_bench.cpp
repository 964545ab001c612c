// Micro-benchmarks of the latency histogram: the per-value record() cost on
// the agents' hot path, merging two full histograms (the controller's cost per
// report), and the sparse protobuf encoding and decoding of a report.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "stats.pb.h"
#include "throng/common/histogram.hpp"

namespace {

std::vector<std::int64_t> latency_samples(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(2e6), 1.0);  // ~2 ms median, long tail
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(dist(rng));
  return v;
}

// A histogram with every bucket from 1 us to 1 h populated: the worst case for merge and encode.
throng::histogram full_histogram() {
  throng::histogram h;
  for (std::size_t i = 0; i < h.bucket_count(); ++i) h.record(h.value_at_index(i));
  return h;
}

void BM_Record(benchmark::State& state) {
  const auto samples = latency_samples(1 << 16, 1);
  throng::histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(samples[i++ & ((1 << 16) - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_MergeFull(benchmark::State& state) {
  const auto a = full_histogram();
  throng::histogram into;
  for (auto _ : state) {
    into.merge(a);
    benchmark::ClobberMemory();
  }
  state.counters["buckets"] = static_cast<double>(a.bucket_count());
}
BENCHMARK(BM_MergeFull);

void BM_EncodeReport(benchmark::State& state) {
  // A realistic one-second window: 10k latencies of one agent.
  throng::histogram h;
  for (auto v : latency_samples(static_cast<std::size_t>(state.range(0)), 2)) h.record(v);
  throng::stats::Histogram wire;
  std::string bytes;
  for (auto _ : state) {
    h.to_proto(wire);
    wire.SerializeToString(&bytes);
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
  state.counters["nonzero_buckets"] = wire.counts_size();
}
BENCHMARK(BM_EncodeReport)->Arg(10'000)->Arg(1'000'000);

void BM_DecodeReport(benchmark::State& state) {
  throng::histogram h;
  for (auto v : latency_samples(static_cast<std::size_t>(state.range(0)), 3)) h.record(v);
  throng::stats::Histogram wire;
  h.to_proto(wire);
  const std::string bytes = wire.SerializeAsString();
  throng::histogram back;
  for (auto _ : state) {
    throng::stats::Histogram parsed;
    parsed.ParseFromString(bytes);
    benchmark::DoNotOptimize(back.from_proto(parsed));
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DecodeReport)->Arg(10'000)->Arg(1'000'000);

void BM_Percentile(benchmark::State& state) {
  throng::histogram h;
  for (auto v : latency_samples(1'000'000, 4)) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99.9));
}
BENCHMARK(BM_Percentile);

}  // namespace

BENCHMARK_MAIN();
