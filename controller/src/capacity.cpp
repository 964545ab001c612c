#include "throng/controller/capacity.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "throng/common/units.hpp"

namespace throng::controller {

namespace {

constexpr double seconds_per_month = 30 * 86'400.0;

std::string usd(double v) { return v >= 100 ? fmt::format("${:.0f}", v) : fmt::format("${:.2f}", v); }

}  // namespace

std::vector<std::string> population_model::problems() const {
  std::vector<std::string> out;
  const auto positive = [&](double v, const char* flag) {
    if (!(v > 0) || !std::isfinite(v)) out.push_back(fmt::format("{} must be a positive number", flag));
  };
  positive(monthly_active_users, "--mau");
  positive(messages_per_month, "--messages-per-month (or --messages-per-user-per-day)");
  if (!(peak_factor >= 1)) out.push_back("--peak-factor is the peak over the average: 1 or more");
  if (!(concurrency_ratio > 0 && concurrency_ratio <= 1)) out.push_back("--concurrency is a share of the MAU: above 0, at most 1");
  positive(message_bytes, "--message-bytes");
  if (!(fan_out >= 1)) out.push_back("--fan-out counts deliveries per message: 1 or more");
  if (!(dup_factor >= 1)) out.push_back("--dup-factor: 1 or more");
  if (regions.empty()) out.push_back("--regions needs at least one region");
  for (const auto& r : regions)
    if (r.empty()) out.push_back("--regions: a region name is empty (stray comma?)");
  if (instance_types.empty()) out.push_back("--instance-types needs at least one type");
  positive(users_per_agent, "--users-per-agent");
  positive(sends_per_agent_per_s, "--sends-per-agent");
  positive(deliveries_per_agent_per_s, "--deliveries-per-agent");
  positive(run_hours, "--hours");
  if (!(egress_usd_per_gb >= 0)) out.push_back("--egress-price cannot be negative");
  if (!(instance_usd_per_hour >= 0)) out.push_back("--instance-price cannot be negative");
  return out;
}

capacity_plan plan_capacity(const population_model& m) {
  capacity_plan p;
  p.average_sends_per_s = m.messages_per_month / seconds_per_month;
  p.peak_sends_per_s = p.average_sends_per_s * m.peak_factor;
  p.average_deliveries_per_s = p.average_sends_per_s * m.fan_out;
  p.peak_deliveries_per_s = p.peak_sends_per_s * m.fan_out;
  p.concurrent_connections = m.monthly_active_users * m.concurrency_ratio;

  const double share = 1.0 / static_cast<double>(m.regions.size());
  for (const auto& region : m.regions) {
    region_need r;
    r.region = region;
    r.connections = p.concurrent_connections * share;
    r.peak_sends_per_s = p.peak_sends_per_s * share;
    r.peak_deliveries_per_s = p.peak_deliveries_per_s * share;
    const double by_connections = std::ceil(r.connections / m.users_per_agent);
    const double by_sends = std::ceil(r.peak_sends_per_s / m.sends_per_agent_per_s);
    const double by_deliveries = std::ceil(r.peak_deliveries_per_s / m.deliveries_per_agent_per_s);
    const double agents = std::max({by_connections, by_sends, by_deliveries, 1.0});
    r.agents = static_cast<std::uint64_t>(agents);
    r.bound_by = agents == by_connections ? "connections" : agents == by_sends ? "sends" : "deliveries";
    p.agents += r.agents;
    p.regions.push_back(r);
  }

  // Bodies at the peak for the whole run: each delivery carries the body
  // (times dup_factor unless the compact form is used), each send once more.
  const double seconds = m.run_hours * 3600;
  const double bodies = (p.peak_deliveries_per_s + p.peak_sends_per_s) * seconds;
  p.egress_gb_without_dup = bodies * m.message_bytes / 1e9;
  p.egress_gb = p.egress_gb_without_dup * m.dup_factor;
  p.egress_usd = p.egress_gb * m.egress_usd_per_gb;
  p.egress_usd_without_dup = p.egress_gb_without_dup * m.egress_usd_per_gb;
  p.instance_hours = static_cast<double>(p.agents) * m.run_hours;
  p.instance_usd = p.instance_hours * m.instance_usd_per_hour;
  return p;
}

std::string format_capacity(const population_model& m, const capacity_plan& p) {
  std::string out = fmt::format(
      "population: {} monthly active users, {} messages a month ({:.1f} per user per day)\n"
      "  peak factor {:g}, {:g}% connected at the peak, {} B per message, fan-out {:g}, dup factor {:g}\n\n",
      format_count(m.monthly_active_users), format_count(m.messages_per_month),
      m.messages_per_month / m.monthly_active_users / 30, m.peak_factor, m.concurrency_ratio * 100, m.message_bytes,
      m.fan_out, m.dup_factor);
  out += fmt::format("  {:<24}{:>14}{:>14}\n", "", "average", "peak");
  out += fmt::format("  {:<24}{:>14}{:>14}\n", "sends/s", format_count(p.average_sends_per_s), format_count(p.peak_sends_per_s));
  out += fmt::format("  {:<24}{:>14}{:>14}\n", "deliveries/s", format_count(p.average_deliveries_per_s),
                     format_count(p.peak_deliveries_per_s));
  out += fmt::format("  {:<24}{:>14}{:>14}\n\n", "concurrent connections", "", format_count(p.concurrent_connections));
  out += fmt::format("agents (one per instance: {} users, {} sends/s, {} deliveries/s each)\n",
                     format_count(m.users_per_agent), format_count(m.sends_per_agent_per_s),
                     format_count(m.deliveries_per_agent_per_s));
  for (const auto& r : p.regions)
    out += fmt::format("  {:<18}{:>10} agents  ({} connections, {} sends/s, {} deliveries/s; bound by {})\n", r.region,
                       r.agents, format_count(r.connections), format_count(r.peak_sends_per_s),
                       format_count(r.peak_deliveries_per_s), r.bound_by);
  out += fmt::format("  {:<18}{:>10} agents\n\n", "total", p.agents);
  out += fmt::format("a {:g} h run at the peak\n", m.run_hours);
  out += fmt::format("  egress           {} GB, {} at ${}/GB", format_count(p.egress_gb), usd(p.egress_usd), m.egress_usd_per_gb);
  if (m.dup_factor != 1)
    out += fmt::format("  (without the dup factor: {} GB, {})", format_count(p.egress_gb_without_dup), usd(p.egress_usd_without_dup));
  out += "\n";
  out += fmt::format("  instance-hours   {}, {} at ${}/h\n", format_count(p.instance_hours), usd(p.instance_usd),
                     m.instance_usd_per_hour);
  out += fmt::format("  total            {}\n", usd(p.egress_usd + p.instance_usd));
  return out;
}

std::string capacity_tfvars_json(const population_model& m, const capacity_plan& p) {
  nlohmann::ordered_json regions = nlohmann::ordered_json::object();
  for (const auto& r : p.regions) regions[r.region] = {{"agents", r.agents}};
  const nlohmann::ordered_json out{
      {"agent_regions", regions},
      {"agent_instance_types", m.instance_types},
      {"max_lifetime_hours", static_cast<int>(std::ceil(m.run_hours + 1))},
  };
  return out.dump(2) + "\n";
}

}  // namespace throng::controller
