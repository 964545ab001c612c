#pragma once
// The capacity planner for a population (`throng plan --mau ...`): from
// monthly active users and monthly messages to the load a full-scale run
// puts on the target, the agents it needs per region, and what the run
// costs in egress and instance-hours; and the terraform.tfvars.json that
// sizes the fleet (terraform/ root module variables).

#include <cstdint>
#include <string>
#include <vector>

namespace throng::controller {

struct population_model {
  double monthly_active_users = 0;
  double messages_per_month = 0;     // or per user per day times MAU times 30
  double peak_factor = 3;            // peak sends over the month's average
  double concurrency_ratio = 0.1;    // share of the MAU connected at the peak
  double message_bytes = 200;        // average body
  double fan_out = 20;               // deliveries per message (room members reached)
  double dup_factor = 1;             // the server repeats each body this many times
  std::vector<std::string> regions{"us-east-1"};  // load spread evenly

  // One agent instance, as measured (bench/results/agent.md).
  double users_per_agent = 10'000;
  double sends_per_agent_per_s = 60'000;
  double deliveries_per_agent_per_s = 120'000;  // one frame per delivery; batched receivers take 10x

  // The run and its prices (USD; on-demand list prices change: pass yours).
  double run_hours = 1;
  double egress_usd_per_gb = 0.09;
  double instance_usd_per_hour = 0.085;   // a 2-vCPU instance
  std::vector<std::string> instance_types{"c6i.large", "c6a.large", "c5.large"};

  // Empty when valid; else what is wrong with which flag.
  std::vector<std::string> problems() const;
};

struct region_need {
  std::string region;
  double connections = 0, peak_sends_per_s = 0, peak_deliveries_per_s = 0;
  std::uint64_t agents = 0;
  std::string bound_by;  // connections, sends or deliveries
};

struct capacity_plan {
  double average_sends_per_s = 0, peak_sends_per_s = 0;
  double average_deliveries_per_s = 0, peak_deliveries_per_s = 0;
  double concurrent_connections = 0;
  std::vector<region_need> regions;
  std::uint64_t agents = 0;
  // For run_hours at the peak: the target's egress (deliveries) and the agents' (sends).
  double egress_gb = 0, egress_gb_without_dup = 0;
  double egress_usd = 0, egress_usd_without_dup = 0;
  double instance_hours = 0, instance_usd = 0;
};

capacity_plan plan_capacity(const population_model& m);
std::string format_capacity(const population_model& m, const capacity_plan& p);
// The root module's variables for this fleet (terraform/variables.tf).
std::string capacity_tfvars_json(const population_model& m, const capacity_plan& p);

}  // namespace throng::controller
