#include "throng/common/distribution_text.hpp"

#include <cmath>
#include <stdexcept>

#include "throng/common/plan_limits.hpp"
#include "throng/common/units.hpp"

namespace throng {

control::Distribution parse_distribution(std::string_view input, distribution_unit unit) {
  const std::string text(input);
  const bool time = unit == distribution_unit::seconds;
  const std::string expected = time ? " (expected 30s, exp:30s, uniform:10s..60s, normal:30s,5s or lognormal:30s,0.5)"
                                    : " (expected 64B, exp:1KiB, uniform:100B..1KiB, normal:1KiB,200B or lognormal:150B,0.8)";
  const auto bad = [&](const std::string& why) { return std::invalid_argument("'" + text + "': " + why + expected); };
  // The whole text or one value of it.
  const auto not_a = [&](const std::string& part, const char* what) {
    return part == text ? std::invalid_argument("'" + text + "' is not a " + what + expected)
                        : bad("'" + part + "' is not a " + what);
  };
  const auto value = [&](const std::string& part) {
    if (time) {
      const auto ns = parse_duration_ns(part);
      if (!ns || *ns < 0) throw not_a(part, "duration");
      return static_cast<double>(*ns) / 1e9;
    }
    const auto bytes = parse_bytes(part);
    if (!bytes) throw not_a(part, "size");
    return static_cast<double>(*bytes);
  };
  control::Distribution d;
  const auto colon = text.find(':');
  const std::string kind = colon == std::string::npos ? "" : text.substr(0, colon);
  const std::string args = colon == std::string::npos ? text : text.substr(colon + 1);
  const auto split = [&](const std::string& sep) {
    const auto at = args.find(sep);
    if (at == std::string::npos) throw bad("needs two values separated by '" + sep + "'");
    return std::pair{args.substr(0, at), args.substr(at + sep.size())};
  };
  if (kind.empty()) {
    d.set_kind(control::Distribution::CONSTANT);
    d.set_a(value(args));
  } else if (kind == "exp") {
    d.set_kind(control::Distribution::EXPONENTIAL);
    d.set_a(value(args));
  } else if (kind == "uniform") {
    const auto [low, high] = split("..");
    d.set_kind(control::Distribution::UNIFORM);
    d.set_a(value(low));
    d.set_b(value(high));
  } else if (kind == "normal") {
    const auto [mean, deviation] = split(",");
    d.set_kind(control::Distribution::NORMAL);
    d.set_a(value(mean));
    d.set_b(value(deviation));
  } else if (kind == "lognormal") {
    const auto [median, sigma] = split(",");
    d.set_kind(control::Distribution::LOG_NORMAL);
    d.set_a(value(median));
    try {
      std::size_t used = 0;
      d.set_b(std::stod(sigma, &used));
      if (used != sigma.size()) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      throw bad("'" + sigma + "' is not a number");
    }
  } else {
    throw bad("unknown distribution '" + kind + "'");
  }
  if (const auto why = distribution_problem(d, "distribution"); !why.empty()) throw bad(why);
  return d;
}

std::string distribution_problem(const control::Distribution& d, const char* what) {
  const std::string name(what);
  if (!std::isfinite(d.a()) || !std::isfinite(d.b())) return name + ": parameters must be finite numbers";
  if (d.a() < 0) return name + ": the first parameter must not be negative";
  switch (d.kind()) {
    case control::Distribution::UNIFORM:
      if (d.b() < d.a()) return name + ": uniform needs min <= max";
      break;
    case control::Distribution::NORMAL:
    case control::Distribution::LOG_NORMAL:
      if (d.b() < 0) return name + ": the spread (stddev / sigma) must not be negative";
      break;
    default: break;
  }
  return {};
}

bool within_message_limit(const control::Distribution& d) {
  const auto limit = static_cast<double>(max_message_bytes);
  return d.a() <= limit && d.b() <= limit;
}

bool distribution_is_set(const control::Distribution& d) {
  return d.kind() != control::Distribution::CONSTANT || d.a() != 0;
}

double distribution_mean(const control::Distribution& d) {
  switch (d.kind()) {
    case control::Distribution::UNIFORM: return (d.a() + d.b()) / 2;
    case control::Distribution::LOG_NORMAL: return d.a() * std::exp(d.b() * d.b() / 2);
    default: return d.a();
  }
}

}  // namespace throng
