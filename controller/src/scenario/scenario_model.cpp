#include <algorithm>
#include <cmath>

#include "throng/common/distribution_text.hpp"
#include "throng/controller/scenario.hpp"

namespace throng::controller {

const char* executor_name(executor_kind kind) {
  switch (kind) {
    case executor_kind::constant_users: return "constant-users";
    case executor_kind::ramping_users: return "ramping-users";
    case executor_kind::constant_arrival_rate: return "constant-arrival-rate";
    case executor_kind::ramping_arrival_rate: return "ramping-arrival-rate";
  }
  return "?";
}

double user_group::planned_send_rate() const {
  switch (does.send_model) {
    case control::SEND_FIXED_RATE:
    case control::SEND_POISSON:
      if (open_model()) {
        double peak = 0;
        for (const auto& st : stages) peak = std::max(peak, st.target);
        return peak * distribution_mean(does.session_duration) * does.sends_per_user_per_s;
      }
      return static_cast<double>(users) * does.sends_per_user_per_s;
    case control::SEND_GROUP_RATE: return does.sends_per_user_per_s;
    case control::SEND_THINK_TIME: {
      const double think = distribution_mean(does.think_time);
      return think > 0 && !open_model() ? static_cast<double>(users) / think : 0;
    }
    default: return 0;
  }
}

std::uint64_t scenario::total_users() const {
  std::uint64_t sum = 0;
  for (const auto& g : groups) sum += g.users;
  return sum;
}

std::int64_t scenario::end_ns() const {
  std::int64_t end = 0;
  for (const auto& g : groups) end = std::max(end, g.end_ns());
  return end;
}

std::int64_t scenario::drain_ns() const {
  std::int64_t drain = 0;
  for (const auto& g : groups) drain = std::max(drain, g.graceful_stop_ns);
  return drain;
}

double scenario::planned_send_rate() const {
  double sum = 0;
  for (const auto& g : groups) sum += g.planned_send_rate();
  return sum;
}

std::vector<std::string> scenario::scenario_names() const {
  std::vector<std::string> names;
  for (const auto& g : groups)
    if (std::find(names.begin(), names.end(), g.scenario) == names.end()) names.push_back(g.scenario);
  return names;
}

bool scenario::mints_tokens() const {
  return std::any_of(groups.begin(), groups.end(), [](const auto& g) { return g.does.auth == control::AUTH_MINTED_TOKEN; });
}

void scenario::scale(double factor) {
  for (auto& g : groups) {
    if (!g.open_model()) g.users = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(g.users) * factor)));
    for (auto& st : g.stages)
      st.target = g.open_model() ? st.target * factor : std::round(st.target * factor);
    if (g.does.send_model == control::SEND_GROUP_RATE) g.does.sends_per_user_per_s *= factor;
    g.does.connect_rate *= factor;
    // Rooms shrink with the population, so rooms keep their sizes.
    if (g.does.room_choice != control::ROOMS_LIST)
      g.does.rooms = std::max<std::uint32_t>(g.does.rooms_per_user, static_cast<std::uint32_t>(std::llround(g.does.rooms * factor)));
  }
}

}  // namespace throng::controller
