#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/units.hpp"
#include "throng/controller/capacity.hpp"
#include "throng/controller/estimate.hpp"

namespace throng::controller::cli {

namespace {
struct plan_args {
  std::string file;
  std::uint64_t users_per_agent = 10'000;
  double scale = 1;
  double messages_per_user_per_day = 0;
  std::string tfvars;
  population_model population;
};

// A population as people write it (250M, 1.5B) or as a number (1e9, 250000000).
CLI::Validator human_count() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (const auto n = parse_count(text)) {
          text = std::to_string(*n);
          return {};
        }
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (!text.empty() && *end == '\0' && std::isfinite(v) && v >= 0) return {};
        return "'" + text + "' is not a count such as 250M, 1.5B or 1e9";
      },
      "COUNT");
}

bool write_tfvars(const std::string& path, const std::string& json) {
  std::ofstream out(path);
  out << json;
  if (!out) {
    std::cerr << "throng plan: cannot write " << path << "\n";
    return false;
  }
  std::cout << "\nwrote " << path << " (terraform/ root module variables)\n";
  return true;
}
}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<plan_args>();
  auto& m = args->population;
  auto* cmd = app.add_subcommand(
      "plan", "estimate what a scenario (or a population: --mau ...) asks of the target, the agents it needs and its cost");
  cmd->add_option("scenario", args->file, "scenario YAML file (or give a population with --mau)");
  cmd->add_option("--users-per-agent", args->users_per_agent, "concurrent users one agent carries")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, max_user_slots));
  cmd->add_option("--scale", args->scale, "as throng run --scale: multiply the population")
      ->check(CLI::PositiveNumber & CLI::Range(0.0, 1e6));
  cmd->add_option("--tfvars", args->tfvars, "write the fleet as terraform.tfvars.json for terraform/");
  cmd->add_option("--regions", m.regions, "regions to spread the agents over (comma-separated)")->delimiter(',');

  auto* pop = "population model";
  cmd->add_option("--mau", m.monthly_active_users, "monthly active users (250M, 1.5B, 1e9)")
      ->transform(human_count())->group(pop);
  cmd->add_option("--messages-per-month", m.messages_per_month, "messages sent in a month, all users (1T, 1e12)")
      ->transform(human_count())->group(pop);
  cmd->add_option("--messages-per-user-per-day", args->messages_per_user_per_day, "or: messages per active user per day")
      ->group(pop);
  cmd->add_option("--peak-factor", m.peak_factor, "peak sends over the average")->capture_default_str()->group(pop);
  cmd->add_option("--concurrency", m.concurrency_ratio, "share of the MAU connected at the peak")->capture_default_str()->group(pop);
  cmd->add_option("--message-bytes", m.message_bytes, "average message body")->capture_default_str()->group(pop);
  cmd->add_option("--fan-out", m.fan_out, "deliveries per message")->capture_default_str()->group(pop);
  cmd->add_option("--dup-factor", m.dup_factor, "the server repeats each body this many times")->capture_default_str()->group(pop);
  cmd->add_option("--sends-per-agent", m.sends_per_agent_per_s, "sends/s one agent carries (bench/results/agent.md)")
      ->capture_default_str()->group(pop);
  cmd->add_option("--deliveries-per-agent", m.deliveries_per_agent_per_s, "deliveries/s one agent receives")
      ->capture_default_str()->group(pop);
  cmd->add_option("--hours", m.run_hours, "length of the run at the peak, for the cost")->capture_default_str()->group(pop);
  cmd->add_option("--egress-price", m.egress_usd_per_gb, "USD per GB of egress")->capture_default_str()->group(pop);
  cmd->add_option("--instance-price", m.instance_usd_per_hour, "USD per agent instance-hour")->capture_default_str()->group(pop);
  cmd->add_option("--instance-types", m.instance_types, "agent instance types for the tfvars (comma-separated)")
      ->delimiter(',')->capture_default_str()->group(pop);

  cmd->callback([args, &exit_code] {
    auto& m = args->population;
    m.users_per_agent = static_cast<double>(args->users_per_agent);
    if (m.monthly_active_users > 0 || args->file.empty()) {
      if (!args->file.empty()) {
        std::cerr << "throng plan: give a scenario file or a population (--mau ...), not both\n";
        exit_code = exit_bad_input;
        return;
      }
      if (args->messages_per_user_per_day > 0 && m.messages_per_month == 0)
        m.messages_per_month = args->messages_per_user_per_day * m.monthly_active_users * 30;
      const auto problems = m.problems();
      for (const auto& p : problems) std::cerr << "throng plan: " << p << "\n";
      if (!problems.empty()) {
        exit_code = exit_bad_input;
        return;
      }
      const auto plan = plan_capacity(m);
      std::cout << format_capacity(m, plan);
      exit_code = !args->tfvars.empty() && !write_tfvars(args->tfvars, capacity_tfvars_json(m, plan)) ? exit_bad_input : exit_ok;
      return;
    }
    auto loaded = load_scenario_file(args->file);
    for (const auto& e : loaded.errors) std::cerr << e.str() << "\n";
    if (!loaded.value) {
      exit_code = exit_bad_input;
      return;
    }
    if (args->scale != 1) loaded.value->scale(args->scale);
    const auto e = estimate(*loaded.value, args->users_per_agent);
    std::cout << format_estimate(*loaded.value, e, args->users_per_agent);
    exit_code = exit_ok;
    if (!args->tfvars.empty()) {
      if (std::find(m.regions.begin(), m.regions.end(), "") != m.regions.end() || m.regions.empty()) {
        std::cerr << "throng plan: --regions: a region name is empty (stray comma?)\n";
        exit_code = exit_bad_input;
        return;
      }
      // The scenario's agents, spread evenly over the regions.
      capacity_plan fleet;
      const auto per_region = static_cast<std::uint64_t>(
          std::ceil(static_cast<double>(e.agents_needed) / static_cast<double>(m.regions.size())));
      for (const auto& r : m.regions) fleet.regions.push_back({r, 0, 0, 0, std::max<std::uint64_t>(per_region, 1), ""});
      if (!write_tfvars(args->tfvars, capacity_tfvars_json(m, fleet))) exit_code = exit_bad_input;
    }
  });
}

}  // namespace throng::controller::cli
