#include "run_context.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "throng/common/plan_limits.hpp"

namespace throng::agent {

std::shared_ptr<run_context> run_context::prepare(const control::Plan& plan, std::vector<target> targets,
                                                  std::vector<net::ip::address> source_ips, std::string& error) {
  auto run = std::make_shared<run_context>();
  run->plan = plan;
  run->targets = std::move(targets);
  run->source_ips = std::move(source_ips);
  run->adapter = make_adapter(plan.protocol());
  if (run->targets.empty()) error = "plan has no target";
  if (plan.total_users() > max_user_slots)
    error = fmt::format("plan has {} user slots; at most {} per run", plan.total_users(), max_user_slots);
  const bool listed = plan.room_choice() == control::ROOMS_LIST;
  if (!listed && plan.rooms() == 0) error = "plan has no rooms";
  if (listed && plan.room_list_size() == 0) error = "plan chooses rooms from a list, but the list is empty";
  for (const auto* d : {&plan.session_duration(), &plan.think_time(), &plan.message_size()})
    if (auto e = distribution_problem(*d, "distribution"); !e.empty()) error = e;
  if (plan.message_bytes() > max_message_bytes || !within_message_limit(plan.message_size()))
    error = fmt::format("plan's messages are larger than the {} bytes allowed", max_message_bytes);
  if (plan.dup_factor() > max_dup_factor)
    error = fmt::format("plan's dup_factor {} is more than the {} allowed", plan.dup_factor(), max_dup_factor);
  if (plan.arrival() == control::ARRIVAL_OPEN && plan.stages_size() == 0)
    error = "an open-model plan needs stages with arrival rates";
  if (!error.empty()) return nullptr;

  run->curve = plan.stages_size() ? stage_curve(plan.stages())
                                  : stage_curve::flat(static_cast<double>(plan.total_users()), plan.duration_ns());
  run->send_end_ns = plan.stages_size() ? run->curve.end() : plan.duration_ns();
  if (plan.gap_grace_ns() > 0) run->gap_grace_ns = plan.gap_grace_ns();
  if (plan.max_connect_attempts() > 0) run->max_connect_attempts = plan.max_connect_attempts();
  run->assignment = room_assignment(plan);

  // A fixed population (every slot connected for the whole run) has known
  // room membership, so each ack can say how many deliveries it should cause;
  // other groups of the run sharing the rooms add their members.
  const bool fixed = run->closed_model() && plan.stages_size() == 0 && !distribution_is_set(plan.session_duration());
  if (fixed && !plan.membership_varies_elsewhere()) {
    run->room_members = run->assignment.members();
    for (int r = 0; r < plan.room_members_elsewhere_size() && r < static_cast<int>(run->room_members.size()); ++r)
      run->room_members[static_cast<std::size_t>(r)] += plan.room_members_elsewhere(r);
  }
  return run;
}

std::string run_context::room_name(std::uint32_t room) const { return assignment.room_name(room); }

std::string run_context::user_name(std::uint64_t user) const {
  std::string name;
  write_user_name(user, name);
  return name;
}

void run_context::write_user_name(std::uint64_t user, std::string& out) const {
  out.clear();
  // Once per send: appends, not a format string.
  if (!plan.user_prefix().empty()) {
    out += plan.user_prefix();
  } else {
    out += plan.run_id();
    out += "-u";
  }
  out += fmt::format_int(user).c_str();
}

std::optional<std::uint64_t> run_context::user_of(const std::string& name) const {
  const std::string prefix = plan.user_prefix().empty() ? plan.run_id() + "-u" : plan.user_prefix();
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::uint64_t id = 0;
  for (std::size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    id = id * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return id;
}

bool run_context::is_local_user(std::uint64_t user) const {
  if (plan.total_users() == 0) return false;
  const std::uint64_t slot = user % plan.total_users();
  return slot >= plan.first_user() && slot < plan.first_user() + plan.user_count();
}

std::string run_context::password_of(std::uint64_t user) const {
  return fmt::format("pw-{:016x}", mix(plan.seed(), user, 0x5eed));
}

std::optional<net::ip::address> run_context::source_of(std::uint64_t slot) const {
  if (source_ips.empty()) return std::nullopt;
  return source_ips[slot % source_ips.size()];
}

std::int64_t run_context::session_end(std::uint64_t user, std::int64_t start_local) const {
  if (!distribution_is_set(plan.session_duration())) return std::numeric_limits<std::int64_t>::max();
  rng random(plan.seed(), user, stream::session);
  // At least 100 ms: a session that ends before it starts only churns.
  const double seconds = std::max(0.1, sample(plan.session_duration(), random));
  return start_local + static_cast<std::int64_t>(seconds * 1e9);
}

}  // namespace throng::agent
