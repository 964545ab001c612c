#include "throng/common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

namespace throng {

namespace {
std::atomic<int> g_level{static_cast<int>(log_level::info)};
constexpr const char* level_name(log_level l) {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "?";
}
}  // namespace

void set_log_level(log_level level) noexcept { g_level = static_cast<int>(level); }
bool log_enabled(log_level level) noexcept { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write_log_line(log_level level, std::string_view line) noexcept {
  try {
    std::string out = fmt::format("{}: {}\n", level_name(level), line);
    (void)!::write(STDERR_FILENO, out.data(), out.size());
  } catch (...) {
  }
}

}  // namespace throng
