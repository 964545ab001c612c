#include <stdexcept>
#include <vector>

#include "control.pb.h"
#include "throng/agent/agent.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/distribution_text.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/units.hpp"
#include "throng/common/url.hpp"
#include "model/distribution.hpp"

namespace throng::agent {

namespace {
// A flag's distribution; a bad one names the flag.
control::Distribution flag_distribution(const char* flag, const std::string& text, distribution_unit unit) {
  try {
    return parse_distribution(text, unit);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(flag) + ": " + e.what());
  }
}
}  // namespace

control::Plan standalone_plan(const standalone_options& o) {
  if (o.targets.empty()) throw std::invalid_argument("--target: give at least one ws://host:port/ws URL");
  for (const auto& t : o.targets)
    if (const auto url = parse_ws_url(t); !url || url->tls)
      throw std::invalid_argument("--target '" + t + "' is not a ws://host:port/path URL (wss is not supported)");
  if (o.users == 0 || o.users > max_user_slots)
    throw std::invalid_argument("--users must be from 1 to " + std::to_string(max_user_slots));
  if (o.rooms == 0) throw std::invalid_argument("--rooms must be at least 1");
  if (o.rate_per_s < 0) throw std::invalid_argument("--rate must not be negative");
  if (o.duration_ns <= 0) throw std::invalid_argument("--duration must be positive, e.g. 30s");
  if (o.send_model != "fixed" && o.send_model != "poisson" && o.send_model != "closed" && o.send_model != "group")
    throw std::invalid_argument("--send-model must be fixed, poisson, group or closed");
  const bool sends = o.rate_per_s > 0 || o.send_model == "closed" || !o.think_time.empty();
  if (o.auth == "minted" && o.token_secret.empty() && sends)
    throw std::invalid_argument(
        "--auth minted needs the server's test token secret: pass --token-secret or set THRONG_TEST_TOKEN_SECRET "
        "(or use --auth register, or --auth anonymous with --rate 0)");
  if (o.auth == "anonymous" && sends)
    throw std::invalid_argument("anonymous users cannot send: use --rate 0 or another --auth");
  control::Plan plan;
  plan.set_run_id("standalone-" + std::to_string(wall_ns() / 1'000'000'000));
  plan.set_target_url(o.targets.front());
  for (std::size_t i = 1; i < o.targets.size(); ++i) plan.add_extra_target_urls(o.targets[i]);
  plan.set_protocol(o.json ? control::WIRE_JSON : control::WIRE_BINARY);
  plan.set_seed(o.seed);
  plan.set_total_users(o.users);
  plan.set_first_user(0);
  plan.set_user_count(o.users);
  plan.set_rooms(o.rooms);
  plan.set_room_prefix("room-");
  // closed: every user sends again as soon as its previous message is acked (--rate is then ignored).
  plan.set_send_model(o.send_model == "closed" ? control::SEND_CLOSED_LOOP
                      : o.rate_per_s <= 0      ? control::SEND_NONE
                      : o.send_model == "poisson" ? control::SEND_POISSON
                                                  : control::SEND_FIXED_RATE);
  plan.set_sends_per_user_per_s(o.rate_per_s / static_cast<double>(o.users));
  if (o.send_model == "group" && o.rate_per_s > 0) {
    // The total rate, each send by the next connected user in turn.
    plan.set_send_model(control::SEND_GROUP_RATE);
    plan.set_sends_per_user_per_s(o.rate_per_s);
  }
  // The same forms and bounds as a scenario's message_size and dup_factor.
  const auto size = flag_distribution("--message-size", o.message_size, distribution_unit::bytes);
  if (!within_message_limit(size)) throw std::invalid_argument("--message-size must be at most 16MiB");
  if (size.kind() == control::Distribution::CONSTANT) plan.set_message_bytes(static_cast<std::uint32_t>(size.a()));
  else *plan.mutable_message_size() = size;
  if (o.dup_factor == 0 || o.dup_factor > max_dup_factor)
    throw std::invalid_argument("--dup-factor must be from 1 to " + std::to_string(max_dup_factor));
  plan.set_dup_factor(o.dup_factor);
  plan.set_duration_ns(o.duration_ns);
  plan.set_drain_ns(o.drain_ns);
  plan.set_connect_timeout_ns(10'000'000'000);
  plan.set_batch(o.batch);
  plan.set_connect_rate(o.connect_rate);
  if (o.connect_attempts == 0 || o.connect_attempts > 1000)
    throw std::invalid_argument("--connect-attempts must be from 1 to 1000 (as a scenario's connect_attempts)");
  plan.set_max_connect_attempts(o.connect_attempts);
  if (o.auth == "minted") plan.set_auth(control::AUTH_MINTED_TOKEN);
  else if (o.auth == "register") plan.set_auth(control::AUTH_REGISTER_LOGIN);
  else if (o.auth == "anonymous") plan.set_auth(control::AUTH_ANONYMOUS);
  else throw std::invalid_argument("--auth must be anonymous, minted or register");
  plan.set_token_secret(o.token_secret);
  if (o.auth == "register") plan.set_user_prefix(plan.run_id() + "-u");
  if (!o.session_duration.empty())
    *plan.mutable_session_duration() = flag_distribution("--session-duration", o.session_duration, distribution_unit::seconds);
  if (!o.think_time.empty()) {
    *plan.mutable_think_time() = flag_distribution("--think-time", o.think_time, distribution_unit::seconds);
    if (plan.send_model() != control::SEND_CLOSED_LOOP) plan.set_send_model(control::SEND_THINK_TIME);
  }
  if (o.room_choice == "uniform") plan.set_room_choice(control::ROOMS_UNIFORM);
  else if (o.room_choice == "zipf") plan.set_room_choice(control::ROOMS_ZIPF);
  else if (o.room_choice != "round-robin") throw std::invalid_argument("--room-choice must be round-robin, uniform or zipf");
  if (o.rooms_per_user == 0 || o.rooms_per_user > o.rooms)
    throw std::invalid_argument("--rooms-per-user must be between 1 and --rooms");
  if (!(o.zipf_s > 0)) throw std::invalid_argument("--zipf must be positive (1 is the classic law)");
  plan.set_rooms_per_user(o.rooms_per_user);
  plan.set_zipf_s(o.zipf_s);
  if (o.ramp_up_ns < 0) throw std::invalid_argument("--ramp-up must not be negative");
  if (o.ramp_up_ns > 0 && o.arrival_rate_per_s <= 0) {
    // Closed model ramped: 0 to --users over the ramp, then held for --duration.
    for (const std::int64_t d : {o.ramp_up_ns, o.duration_ns}) {
      auto* stage = plan.add_stages();
      stage->set_duration_ns(d);
      stage->set_target(static_cast<double>(o.users));
    }
  }
  if (o.arrival_rate_per_s < 0) throw std::invalid_argument("--arrival-rate must not be negative");
  if (o.arrival_rate_per_s > 0) {
    // Open model: a constant arrival rate for the whole duration (a step, then flat).
    plan.set_arrival(control::ARRIVAL_OPEN);
    for (const std::int64_t d : {std::int64_t{0}, o.duration_ns}) {
      auto* stage = plan.add_stages();
      stage->set_duration_ns(d);
      stage->set_target(o.arrival_rate_per_s);
    }
  }
  return plan;
}

namespace {
// The colon-separated fields of an event flag, with its own error wording.
struct event_text {
  std::string flag, text, form;
  std::vector<std::string> fields;

  event_text(std::string f, std::string t, std::string expected, std::size_t min, std::size_t max)
      : flag(std::move(f)), text(std::move(t)), form(std::move(expected)) {
    for (std::size_t from = 0;;) {
      const auto colon = text.find(':', from);
      fields.push_back(text.substr(from, colon == std::string::npos ? std::string::npos : colon - from));
      if (colon == std::string::npos) break;
      from = colon + 1;
    }
    if (fields.size() < min || fields.size() > max) throw bad("wrong number of fields");
  }
  std::invalid_argument bad(const std::string& why) const {
    return std::invalid_argument(flag + " '" + text + "': " + why + " (expected " + form + ")");
  }
  std::int64_t duration(std::size_t i, bool positive) const {
    const auto ns = parse_duration_ns(fields[i]);
    if (!ns || *ns < 0 || (positive && *ns == 0)) throw bad("'" + fields[i] + "' is not a" + (positive ? " positive" : "") + " duration");
    return *ns;
  }
  double number(std::size_t i) const {
    try {
      std::size_t used = 0;
      const double v = std::stod(fields[i], &used);
      if (used == fields[i].size()) return v;
    } catch (const std::exception&) {
    }
    throw bad("'" + fields[i] + "' is not a number");
  }
};
}  // namespace

live_event parse_storm(const std::string& text) {
  const event_text e("--storm", text, "AT:FRACTION[:WINDOW], e.g. 5s:0.3:1s", 2, 3);
  live_event storm;
  storm.at_ns = e.duration(0, false);
  storm.storm_fraction = e.number(1);
  if (!(storm.storm_fraction > 0 && storm.storm_fraction <= 1)) throw e.bad("the fraction must be in (0, 1]");
  if (e.fields.size() == 3) storm.storm_window_ns = e.duration(2, true);
  return storm;
}

std::vector<live_event> parse_burst(const std::string& text) {
  const event_text e("--burst", text, "AT:MULTIPLIER:LENGTH, e.g. 10s:3:5s", 3, 3);
  live_event begin, end;
  begin.at_ns = e.duration(0, false);
  begin.rate_multiplier = e.number(1);
  if (!(begin.rate_multiplier > 0)) throw e.bad("the multiplier must be positive");
  end.at_ns = begin.at_ns + e.duration(2, true);
  end.rate_multiplier = 1;
  return {begin, end};
}

std::vector<live_event> parse_pause(const std::string& text) {
  const event_text e("--pause", text, "AT:LENGTH, e.g. 10s:2s", 2, 2);
  live_event begin, end;
  begin.at_ns = e.duration(0, false);
  begin.pause = live_event::pause_change::pause;
  end.at_ns = begin.at_ns + e.duration(1, true);
  end.pause = live_event::pause_change::resume;
  return {begin, end};
}

control::Distribution parse_time_distribution(const std::string& text) {
  return parse_distribution(text, distribution_unit::seconds);
}

}  // namespace throng::agent
