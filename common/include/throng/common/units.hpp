#pragma once
// Human units for durations, sizes, counts and rates: "30s", "5m", "64KiB", "10k", "200/s".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace throng {

std::optional<std::int64_t> parse_duration_ns(std::string_view text);  // 500ms, 30s, 5m, 1h, 30d, 1m30s
std::optional<std::uint64_t> parse_bytes(std::string_view text);        // 150, 150B, 64KiB, 1MiB, 2kB
std::optional<std::uint64_t> parse_count(std::string_view text);        // 200, 10k, 1.5M, 1B
std::optional<double> parse_rate_per_s(std::string_view text);          // 200, 200/s, 12k/m, 3/h

std::string format_duration(std::int64_t ns);  // 812us, 12.3ms, 1.20s
std::string format_count(double value);        // 950, 12.3k, 4.50M

}  // namespace throng
