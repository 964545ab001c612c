#include <stdexcept>

#include "control.pb.h"
#include "throng/agent/agent.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/units.hpp"
#include "model/distribution.hpp"

namespace throng::agent {

control::Plan standalone_plan(const standalone_options& o) {
  if (o.targets.empty()) throw std::invalid_argument("--target: give at least one ws://host:port/ws URL");
  if (o.users == 0) throw std::invalid_argument("--users must be at least 1");
  if (o.rooms == 0) throw std::invalid_argument("--rooms must be at least 1");
  if (o.rate_per_s < 0) throw std::invalid_argument("--rate must not be negative");
  if (o.duration_ns <= 0) throw std::invalid_argument("--duration must be positive, e.g. 30s");
  if (o.send_model != "fixed" && o.send_model != "poisson" && o.send_model != "closed")
    throw std::invalid_argument("--send-model must be fixed, poisson or closed");
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
  plan.set_message_bytes(o.message_bytes);
  plan.set_dup_factor(o.dup_factor);
  plan.set_duration_ns(o.duration_ns);
  plan.set_drain_ns(o.drain_ns);
  plan.set_connect_timeout_ns(10'000'000'000);
  plan.set_batch(o.batch);
  plan.set_connect_rate(o.connect_rate);
  if (o.auth == "minted") plan.set_auth(control::AUTH_MINTED_TOKEN);
  else if (o.auth == "register") plan.set_auth(control::AUTH_REGISTER_LOGIN);
  else if (o.auth == "anonymous") plan.set_auth(control::AUTH_ANONYMOUS);
  else throw std::invalid_argument("--auth must be anonymous, minted or register");
  plan.set_token_secret(o.token_secret);
  if (o.auth == "register") plan.set_user_prefix(plan.run_id() + "-u");
  if (!o.session_duration.empty()) *plan.mutable_session_duration() = parse_time_distribution(o.session_duration);
  if (!o.think_time.empty()) {
    *plan.mutable_think_time() = parse_time_distribution(o.think_time);
    if (plan.send_model() != control::SEND_CLOSED_LOOP) plan.set_send_model(control::SEND_THINK_TIME);
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

storm_event parse_storm(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("--storm '" + text + "': " + why + " (expected AT:FRACTION[:WINDOW], e.g. 5s:0.3:1s)");
  };
  std::vector<std::string> parts;
  for (std::size_t from = 0;;) {
    const auto colon = text.find(':', from);
    parts.push_back(text.substr(from, colon == std::string::npos ? std::string::npos : colon - from));
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) throw bad("wrong number of fields");
  storm_event storm;
  const auto at = parse_duration_ns(parts[0]);
  if (!at || *at < 0) throw bad("'" + parts[0] + "' is not a duration");
  storm.at_ns = *at;
  try {
    std::size_t used = 0;
    storm.fraction = std::stod(parts[1], &used);
    if (used != parts[1].size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    throw bad("'" + parts[1] + "' is not a fraction");
  }
  if (!(storm.fraction > 0 && storm.fraction <= 1)) throw bad("the fraction must be in (0, 1]");
  if (parts.size() == 3) {
    const auto window = parse_duration_ns(parts[2]);
    if (!window || *window <= 0) throw bad("'" + parts[2] + "' is not a positive duration");
    storm.window_ns = *window;
  }
  return storm;
}

control::Distribution parse_time_distribution(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("'" + text + "': " + why +
                                 " (expected 30s, exp:30s, uniform:10s..60s, normal:30s,5s or lognormal:30s,0.5)");
  };
  const auto seconds = [&](const std::string& part) {
    const auto ns = parse_duration_ns(part);
    if (!ns || *ns < 0) throw bad("'" + part + "' is not a duration");
    return static_cast<double>(*ns) / 1e9;
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
    d.set_a(seconds(args));
  } else if (kind == "exp") {
    d.set_kind(control::Distribution::EXPONENTIAL);
    d.set_a(seconds(args));
  } else if (kind == "uniform") {
    const auto [low, high] = split("..");
    d.set_kind(control::Distribution::UNIFORM);
    d.set_a(seconds(low));
    d.set_b(seconds(high));
  } else if (kind == "normal") {
    const auto [mean, deviation] = split(",");
    d.set_kind(control::Distribution::NORMAL);
    d.set_a(seconds(mean));
    d.set_b(seconds(deviation));
  } else if (kind == "lognormal") {
    const auto [median, sigma] = split(",");
    d.set_kind(control::Distribution::LOG_NORMAL);
    d.set_a(seconds(median));
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
  if (const auto why = check(d, "distribution"); !why.empty()) throw bad(why);
  return d;
}

}  // namespace throng::agent
