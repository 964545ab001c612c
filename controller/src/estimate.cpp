#include "throng/controller/estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "throng/common/distribution_text.hpp"
#include "throng/common/units.hpp"

namespace throng::controller {

namespace {

// Sum of P(k)^2 and P(0) for the room law: a send lands in a room chosen by
// its sender, so rooms receive sends in proportion to their members, and the
// expected members a send reaches is users * k * sum P(k)^2.
std::pair<double, double> room_law(const behaviour& b) {
  const double rooms = b.room_choice == control::ROOMS_LIST ? static_cast<double>(b.room_list.size()) : b.rooms;
  if (b.room_choice != control::ROOMS_ZIPF) return {1.0 / rooms, 1.0 / rooms};
  double norm = 0;
  const auto n = static_cast<std::uint64_t>(rooms);
  for (std::uint64_t k = 1; k <= n; ++k) norm += std::pow(static_cast<double>(k), -b.zipf_s);
  double squares = 0;
  for (std::uint64_t k = 1; k <= n; ++k) squares += std::pow(std::pow(static_cast<double>(k), -b.zipf_s) / norm, 2);
  return {squares, 1.0 / norm};
}

}  // namespace

scenario_estimate estimate(const scenario& s, std::uint64_t users_per_agent) {
  scenario_estimate out;
  for (const auto& g : s.groups) {
    group_estimate e;
    e.tag = g.tag();
    if (g.open_model()) {
      double peak_rate = 0;
      for (const auto& st : g.stages) peak_rate = std::max(peak_rate, st.target);
      e.peak_users = peak_rate * distribution_mean(g.does.session_duration);  // Little's law
    } else {
      e.peak_users = static_cast<double>(g.users);
    }
    e.sends_per_s = g.planned_send_rate();
    if (g.does.send_model == control::SEND_CLOSED_LOOP) e.sends_per_s = std::nan("");  // paced by the server
    const auto [sum_squares, hottest] = room_law(g.does);
    const double per_user = g.does.room_choice == control::ROOMS_LIST ? static_cast<double>(g.does.room_list.size())
                                                                       : g.does.rooms_per_user;
    e.members_per_send = e.peak_users * per_user * sum_squares;
    e.hottest_room_members = e.peak_users * per_user * hottest;
    e.deliveries_per_s = e.sends_per_s * e.members_per_send;
    e.agents_needed = static_cast<std::uint64_t>(std::ceil(e.peak_users / static_cast<double>(users_per_agent)));
    e.agents_needed = std::max<std::uint64_t>(1, e.agents_needed);
    out.peak_users += e.peak_users;
    if (!std::isnan(e.sends_per_s)) {
      out.sends_per_s += e.sends_per_s;
      out.deliveries_per_s += e.deliveries_per_s;
    }
    out.agents_needed += e.agents_needed;
    out.groups.push_back(e);
  }
  return out;
}

std::string format_estimate(const scenario& s, const scenario_estimate& e, std::uint64_t users_per_agent) {
  const auto n = [](double v) { return std::isnan(v) ? std::string("closed loop") : format_count(v); };
  std::string text = fmt::format("{}: {} group(s), sending for {}\n\n", s.name, s.groups.size(), format_duration(s.end_ns()));
  text += fmt::format("  {:<28} {:>10} {:>12} {:>12} {:>14} {:>12} {:>7}\n", "group", "peak users", "sends/s",
                      "room reach", "deliveries/s", "hottest room", "agents");
  for (const auto& g : e.groups)
    text += fmt::format("  {:<28} {:>10} {:>12} {:>12} {:>14} {:>12} {:>7}\n", g.tag, n(g.peak_users), n(g.sends_per_s),
                        n(g.members_per_send), n(g.deliveries_per_s), n(g.hottest_room_members), g.agents_needed);
  text += fmt::format("  {:<28} {:>10} {:>12} {:>12} {:>14} {:>12} {:>7}\n", "total", n(e.peak_users), n(e.sends_per_s),
                      "", n(e.deliveries_per_s), "", e.agents_needed);
  text += fmt::format(
      "\n  peak users: concurrent connections (arrival-rate executors: arrival rate x mean session, Little's law);\n"
      "  room reach: members a send is expected to reach, by the room law; agents: at {} users each\n"
      "  (an agent process holds about 20k connections here; split agents over hosts and source addresses).\n"
      "  {} messages a month at this rate, {} deliveries.\n",
      format_count(static_cast<double>(users_per_agent)), format_count(e.sends_per_s * 30.44 * 86400),
      format_count(e.deliveries_per_s * 30.44 * 86400));
  return text;
}

}  // namespace throng::controller
