#pragma once
// Minimal leveled logging to stderr, one write per line so lines from
// different threads never interleave.

#include <fmt/format.h>

#include <string_view>

namespace throng {

enum class log_level { debug, info, warn, error };

void set_log_level(log_level level) noexcept;
bool log_enabled(log_level level) noexcept;
void write_log_line(log_level level, std::string_view line) noexcept;

template <class... Args>
void log_at(log_level level, fmt::format_string<Args...> f, Args&&... args) {
  if (log_enabled(level)) write_log_line(level, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... a) { log_at(log_level::debug, f, std::forward<Args>(a)...); }
template <class... Args>
void log_info(fmt::format_string<Args...> f, Args&&... a) { log_at(log_level::info, f, std::forward<Args>(a)...); }
template <class... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... a) { log_at(log_level::warn, f, std::forward<Args>(a)...); }
template <class... Args>
void log_error(fmt::format_string<Args...> f, Args&&... a) { log_at(log_level::error, f, std::forward<Args>(a)...); }

}  // namespace throng
