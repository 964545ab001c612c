#include "throng/controller/planner.hpp"

#include "throng/controller/scenario.hpp"

#include <charconv>
#include <optional>

#include "throng/common/distribution_text.hpp"
#include "throng/common/room_assignment.hpp"

namespace throng::controller {

std::vector<user_share> split_users(std::uint64_t total, const std::vector<std::uint32_t>& capacities) {
  std::vector<user_share> shares(capacities.size());
  if (capacities.empty()) return shares;
  unsigned __int128 weight_sum = 0;
  for (auto c : capacities) weight_sum += c;
  const bool equal = weight_sum == 0;
  if (equal) weight_sum = capacities.size();

  // Agent i owns users [floor(total * W_i / W), floor(total * W_{i+1} / W)),
  // where W_i is the cumulative weight before it.
  unsigned __int128 cumulative = 0;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < capacities.size(); ++i) {
    cumulative += equal ? 1 : capacities[i];
    const auto boundary = static_cast<std::uint64_t>(static_cast<unsigned __int128>(total) * cumulative / weight_sum);
    shares[i] = {previous, boundary - previous};
    previous = boundary;
  }
  return shares;
}

std::vector<std::size_t> assign_groups(const std::vector<user_group>& groups, const std::vector<std::uint32_t>& capacities) {
  std::vector<std::size_t> owner(capacities.size(), 0);
  if (groups.empty() || capacities.size() < groups.size()) return {};
  std::vector<double> load(groups.size()), capacity(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) load[g] = static_cast<double>(std::max<std::uint64_t>(1, groups[g].users));
  // Agents in order: the first ones one per group, then each to the group
  // whose users per unit of capacity are highest.
  for (std::size_t a = 0; a < capacities.size(); ++a) {
    std::size_t pick = a;
    if (a >= groups.size()) {
      pick = 0;
      for (std::size_t g = 1; g < groups.size(); ++g)
        if (load[g] / capacity[g] > load[pick] / capacity[pick]) pick = g;
    }
    owner[a] = pick;
    capacity[pick] += std::max<double>(1, capacities[a]);
  }
  return owner;
}

control::Plan make_plan(const scenario& s, const user_group& g, const plan_inputs& in) {
  control::Plan plan;
  plan.set_run_id(in.run_id);
  plan.set_target_url(in.target_urls.front());
  for (std::size_t i = 1; i < in.target_urls.size(); ++i) plan.add_extra_target_urls(in.target_urls[i]);
  plan.set_protocol(s.json_protocol ? control::WIRE_JSON : control::WIRE_BINARY);
  plan.set_seed(s.seed + in.seed_offset);
  plan.set_total_users(g.users);
  plan.set_first_user(0);
  plan.set_user_count(g.users);
  const auto& d = g.does;
  plan.set_rooms(d.rooms);
  plan.set_room_prefix(d.room_prefix);
  plan.set_room_choice(d.room_choice);
  plan.set_rooms_per_user(d.rooms_per_user);
  plan.set_zipf_s(d.zipf_s);
  for (const auto& room : d.room_list) plan.add_room_list(room);
  plan.set_send_model(d.send_model);
  plan.set_sends_per_user_per_s(d.sends_per_user_per_s);
  *plan.mutable_think_time() = d.think_time;
  *plan.mutable_session_duration() = d.session_duration;
  if (d.message_size.kind() == control::Distribution::CONSTANT && d.message_size.a() == 0) plan.set_message_bytes(64);
  else *plan.mutable_message_size() = d.message_size;
  plan.set_dup_factor(d.dup_factor);
  plan.set_body_template(d.body_template);
  plan.set_connect_rate(d.connect_rate);
  plan.set_max_connect_attempts(d.connect_attempts);
  plan.set_auth(d.auth);
  plan.set_token_secret(s.test_token_secret);
  if (d.auth == control::AUTH_REGISTER_LOGIN) {
    plan.set_user_prefix(in.run_id + "-" + g.scenario + "-" + g.name + "-");
    plan.set_auth_url(in.auth_url);
  }
  plan.set_arrival(g.open_model() ? control::ARRIVAL_OPEN : control::ARRIVAL_CLOSED);
  for (const auto& st : g.stages) {
    auto* out = plan.add_stages();
    out->set_duration_ns(st.duration_ns);
    out->set_target(st.target);
  }
  plan.set_duration_ns(g.duration_ns);
  plan.set_drain_ns(g.graceful_stop_ns);
  plan.set_connect_timeout_ns(s.connect_timeout_ns);
  plan.set_batch(s.batch);
  return plan;
}

namespace {

// Every slot connected for the whole run: membership never changes (as the agent decides).
bool fixed_membership(const user_group& g) {
  return !g.open_model() && g.stages.empty() && !distribution_is_set(g.does.session_duration);
}

// The index of room `name` among a plan's rooms, if it is one of them.
std::optional<std::uint32_t> room_index(const control::Plan& plan, const std::string& name) {
  if (plan.room_choice() == control::ROOMS_LIST) {
    for (int i = 0; i < plan.room_list_size(); ++i)
      if (plan.room_list(i) == name) return static_cast<std::uint32_t>(i);
    return std::nullopt;
  }
  if (name.rfind(plan.room_prefix(), 0) != 0) return std::nullopt;
  std::uint32_t index = 0;
  const char* first = name.data() + plan.room_prefix().size();
  const char* last = name.data() + name.size();
  const auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc{} || end != last || first == last || index >= plan.rooms()) return std::nullopt;
  return index;
}

}  // namespace

control::Plan share_plan(control::Plan group_plan, const user_share& share) {
  // The connect rate is the group's; this agent paces its part of it.
  if (group_plan.total_users() > 0)
    group_plan.set_connect_rate(group_plan.connect_rate() * static_cast<double>(share.user_count) /
                                static_cast<double>(group_plan.total_users()));
  group_plan.set_first_user(share.first_user);
  group_plan.set_user_count(share.user_count);
  return group_plan;
}

void add_shared_room_members(const std::vector<user_group>& groups, std::vector<control::Plan>& plans) {
  std::vector<room_assignment> assignments;
  for (const auto& plan : plans) assignments.emplace_back(plan);
  std::vector<std::vector<std::uint32_t>> members(groups.size());
  for (std::size_t h = 0; h < groups.size(); ++h)
    if (fixed_membership(groups[h])) members[h] = assignments[h].members();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto rooms = static_cast<std::uint32_t>(assignments[g].room_count());
    std::vector<std::uint32_t> elsewhere(rooms, 0);
    bool varies = false, shared = false;
    const bool by_prefix = plans[g].room_choice() != control::ROOMS_LIST;
    for (std::size_t h = 0; h < groups.size() && !varies; ++h) {
      if (h == g) continue;
      const bool same_prefix = by_prefix && plans[h].room_choice() != control::ROOMS_LIST &&
                               plans[h].room_prefix() == plans[g].room_prefix();
      for (std::uint32_t r = 0; r < rooms; ++r) {
        const auto index = same_prefix ? (r < plans[h].rooms() ? std::optional<std::uint32_t>(r) : std::nullopt)
                                       : room_index(plans[h], assignments[g].room_name(r));
        if (!index) continue;
        shared = true;
        if (!fixed_membership(groups[h])) {
          varies = true;
          break;
        }
        elsewhere[r] += members[h][*index];
      }
    }
    if (varies) plans[g].set_membership_varies_elsewhere(true);
    else if (shared) *plans[g].mutable_room_members_elsewhere() = {elsewhere.begin(), elsewhere.end()};
  }
}

}  // namespace throng::controller
