#include "throng/common/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace throng {

namespace {

// Splits "12.5ms" into 12.5 and "ms"; rejects empty numbers and negatives.
bool split_number(std::string_view text, double& number, std::string_view& suffix) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) ++n;
  if (n == 0) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, number);
  if (ec != std::errc{} || ptr != text.data() + n || !std::isfinite(number)) return false;
  suffix = text.substr(n);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  return true;
}

std::optional<double> count_multiplier(std::string_view s) {
  if (s.empty()) return 1.0;
  if (s == "k" || s == "K") return 1e3;
  if (s == "M") return 1e6;
  if (s == "B" || s == "G") return 1e9;
  if (s == "T") return 1e12;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  // Accepts sums such as "1m30s".
  double total = 0;
  bool any = false;
  while (!text.empty()) {
    double number = 0;
    std::string_view rest;
    if (!split_number(text, number, rest)) return std::nullopt;
    std::size_t unit_len = 0;
    while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len]))) ++unit_len;
    const std::string_view unit = rest.substr(0, unit_len);
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else if (unit == "d") scale = 86400e9;
    else return std::nullopt;  // a bare number is ambiguous: ask for a unit
    total += number * scale;
    any = true;
    text = rest.substr(unit_len);
  }
  if (!any || total > 9e18) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(total));
}

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit)) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KiB") scale = 1024;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "kB" || unit == "KB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  else return std::nullopt;
  const double value = number * scale;
  if (value > 1e18 || value != std::floor(value)) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit)) return std::nullopt;
  const auto m = count_multiplier(unit);
  if (!m) return std::nullopt;
  const double value = number * *m;
  if (value > 1e18 || value != std::floor(value)) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

std::optional<double> parse_rate_per_s(std::string_view text) {
  double per = 1;
  const auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    const auto unit = text.substr(slash + 1);
    if (unit == "s") per = 1;
    else if (unit == "m" || unit == "min") per = 60;
    else if (unit == "h") per = 3600;
    else return std::nullopt;
    text = text.substr(0, slash);
  }
  double number = 0;
  std::string_view suffix;
  if (!split_number(text, number, suffix)) return std::nullopt;
  const auto m = count_multiplier(suffix);
  if (!m) return std::nullopt;
  return number * *m / per;
}

std::string format_duration(std::int64_t ns) {
  char buf[32];
  const double v = static_cast<double>(ns);
  const double a = std::fabs(v);
  if (a < 1e3) std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  else if (a < 1e6) std::snprintf(buf, sizeof buf, "%.0fus", v / 1e3);
  else if (a < 1e9) std::snprintf(buf, sizeof buf, "%.2fms", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2fs", v / 1e9);
  return buf;
}

std::string format_count(double value) {
  char buf[32];
  const double a = std::fabs(value);
  if (a < 1e4) std::snprintf(buf, sizeof buf, "%.0f", value);
  else if (a < 1e6) std::snprintf(buf, sizeof buf, "%.1fk", value / 1e3);
  else if (a < 1e9) std::snprintf(buf, sizeof buf, "%.2fM", value / 1e6);
  else if (a < 1e12) std::snprintf(buf, sizeof buf, "%.2fB", value / 1e9);
  else std::snprintf(buf, sizeof buf, "%.2fT", value / 1e12);
  return buf;
}

}  // namespace throng
