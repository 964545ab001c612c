#include <fmt/format.h>

#include "throng/common/units.hpp"
#include "views.hpp"

namespace throng::panel {

std::string format_ns(double ns) { return format_duration(static_cast<std::int64_t>(ns)); }
std::string format_number(double value) { return format_count(value); }

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

}  // namespace throng::panel
