// YAML scenario files into the scenario model, every error collected.
// Structure: top-level fields, `target`, then `scenarios` (or the top level
// itself as one scenario), each with an executor and optional `groups`,
// then `events` and `thresholds`.

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "throng/common/distribution_text.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/units.hpp"
#include "throng/common/url.hpp"
#include "throng/controller/planner.hpp"
#include "yaml_reader.hpp"

namespace throng::controller {

std::string validation_error::str() const {
  std::ostringstream out;
  out << file << ':' << line << ':' << column << ": " << (path.empty() ? "" : path + ": ") << message;
  return out.str();
}

namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

const std::vector<std::string> behaviour_keys{
    "auth",      "rooms",         "room_prefix", "room_choice",      "rooms_per_user", "zipf",
    "room_list", "send_model",    "rate",        "rate_per_user",    "think_time",     "session_duration",
    "message_size", "dup_factor", "body",        "connect_rate",     "connect_attempts"};
const std::vector<std::string> executor_keys{"executor", "users", "duration", "stages", "arrival_rate",
                                             "start_rate", "start_time", "graceful_stop", "groups"};
const std::vector<std::string> group_size_keys{"weight", "users"};
const std::vector<std::string> top_keys{"name",   "seed",          "target",        "connect_timeout", "agents",
                                        "events", "thresholds",    "on_agent_loss", "max_agent_cpu",   "scenarios"};

std::vector<std::string> joined(std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<std::string> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  return out;
}

std::optional<std::uint64_t> parse_uint(const std::string& text) { return parse_count(text); }
std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  return std::nullopt;
}
std::optional<double> parse_positive(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
std::optional<double> parse_percent(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  auto v = parse_positive(t);
  if (v && *v > 100) return std::nullopt;
  return v;
}

// A behaviour as written: explicit fields, so groups override only what they say.
struct behaviour_text {
  behaviour does;
  std::optional<double> rate_total, rate_per_user;
  std::optional<std::string> send_model;
  bool think_time = false;
};

class scenario_parser {
 public:
  scenario_parser(std::string file, std::vector<validation_error>& errors) : file_(file), r_(file, errors) {}

  std::optional<scenario> parse(const YAML::Node& root);

 private:
  void parse_target(const YAML::Node& target, scenario& s);
  void parse_behaviour(const YAML::Node& map, const std::string& path, behaviour_text& b);
  void parse_scenario_body(const std::string& name, const YAML::Node& body, const std::string& path, scenario& s);
  void resolve_sends(user_group& g, const behaviour_text& b, const YAML::Node& at, const std::string& path);
  std::vector<stage> parse_stages(const YAML::Node& node, const std::string& path, bool users);
  void parse_events(const YAML::Node& node, scenario& s);
  void parse_thresholds(const YAML::Node& node, scenario& s);
  void check_auth(const scenario& s, const YAML::Node& root);

  std::optional<control::Distribution> distribution(const YAML::Node& map, const std::string& key,
                                                    const std::string& path, distribution_unit unit) {
    const auto t = r_.text(map, key, path);
    if (!t) return std::nullopt;
    try {
      return parse_distribution(*t, unit);
    } catch (const std::invalid_argument& e) {
      r_.error(map[key], path, e.what());
      return std::nullopt;
    }
  }

  std::string file_;
  yaml_reader r_;
};

std::optional<scenario> scenario_parser::parse(const YAML::Node& root) {
  scenario s;
  s.file = file_;
  s.name = std::filesystem::path(file_).stem().string();
  const bool named_scenarios = static_cast<bool>(root["scenarios"]);
  r_.check_keys(root, "", named_scenarios ? top_keys : joined({&top_keys, &executor_keys, &behaviour_keys}));

  if (const auto v = r_.text(root, "name", "name")) s.name = *v;
  r_.field(root, "seed", "seed", s.seed, parse_uint, "a non-negative integer");
  r_.field(root, "connect_timeout", "connect_timeout", s.connect_timeout_ns, parse_duration_ns, "a duration such as 10s");
  if (r_.field(root, "agents", "agents", s.local_agents, parse_uint, "the number of local agents, such as 2") &&
      (s.local_agents == 0 || s.local_agents > 256))
    r_.error(root["agents"], "agents", "must be from 1 to 256");
  if (const auto v = r_.text(root, "on_agent_loss", "on_agent_loss")) {
    if (*v == "degrade") s.abort_on_agent_loss = false;
    else if (*v != "abort") r_.error(root["on_agent_loss"], "on_agent_loss", "'" + *v + "' is not a policy: expected abort or degrade");
  }
  r_.field(root, "max_agent_cpu", "max_agent_cpu", s.max_agent_cpu_percent, parse_percent, "a percentage such as 90%");

  const YAML::Node target = root["target"];
  if (!target) r_.error(root, "target", "is required: give target.url (ws://host:port/ws) or target.spawn: reference-server");
  else if (!target.IsMap()) r_.error(target, "target", "expected a mapping with url or spawn");
  else parse_target(target, s);

  if (named_scenarios) {
    const YAML::Node list = root["scenarios"];
    if (!list.IsMap() || list.size() == 0) {
      r_.error(list, "scenarios", "expected a mapping of scenario names to scenarios, e.g. scenarios: {chat: {executor: constant-users, ...}}");
    } else {
      for (const auto& entry : list) {
        const auto name = entry.first.as<std::string>();
        const std::string path = "scenarios." + name;
        if (!entry.second.IsMap()) r_.error(entry.second, path, "expected a mapping with executor, users, duration, ...");
        else parse_scenario_body(name, entry.second, path + ".", s);
      }
    }
  } else {
    parse_scenario_body(s.name, root, "", s);
  }
  if (root["events"]) parse_events(root["events"], s);
  if (root["thresholds"]) parse_thresholds(root["thresholds"], s);
  check_auth(s, root);
  if (s.total_users() > max_user_slots) r_.error(root, "users", "at most 100M user slots per run");
  return s;
}

void scenario_parser::parse_target(const YAML::Node& target, scenario& s) {
  r_.check_keys(target, "target.", {"url", "urls", "spawn", "protocol", "server_threads", "batch", "store",
                                    "test_token_secret", "auth_url", "server_config"});
  const auto add_url = [&](const YAML::Node& node, const std::string& path) {
    const auto v = r_.scalar(node, path);
    if (!v) return;
    if (const auto url = parse_ws_url(*v); !url) r_.error(node, path, "'" + *v + "' is not a ws://host:port/path URL");
    else if (url->tls) r_.error(node, path, "wss:// is not supported yet; use ws://");
    else s.target_urls.push_back(*v);
  };
  if (target["url"]) add_url(target["url"], "target.url");
  if (const YAML::Node urls = target["urls"]) {
    if (!urls.IsSequence() || urls.size() == 0) r_.error(urls, "target.urls", "expected a list of ws:// URLs; users are spread over them");
    else
      for (std::size_t i = 0; i < urls.size(); ++i) add_url(urls[i], "target.urls[" + std::to_string(i) + "]");
  }
  if (const auto v = r_.text(target, "spawn", "target.spawn")) {
    if (*v == "reference-server") s.spawn_server = true;
    else r_.error(target["spawn"], "target.spawn", "'" + *v + "' is not something Throng can start; expected reference-server");
  }
  const bool has_url = target["url"] || target["urls"];
  if (has_url && target["spawn"]) r_.error(target, "target", "give either url/urls or spawn, not both");
  else if (!has_url && !target["spawn"]) r_.error(target, "target", "needs url (ws://host:port/ws) or spawn: reference-server");
  if (const auto v = r_.text(target, "protocol", "target.protocol")) {
    if (*v == "json") s.json_protocol = true;
    else if (*v != "binary") r_.error(target["protocol"], "target.protocol", "'" + *v + "' is not a protocol: expected binary or json");
  }
  if (r_.field(target, "server_threads", "target.server_threads", s.server_threads, parse_uint, "a thread count such as 1") &&
      (s.server_threads == 0 || s.server_threads > 256))
    r_.error(target["server_threads"], "target.server_threads", "must be from 1 to 256");
  r_.field(target, "batch", "target.batch", s.batch, parse_bool, "true or false");
  if (const auto v = r_.text(target, "store", "target.store")) {
    if (!target["spawn"]) r_.error(target["store"], "target.store", "only applies to spawn: reference-server");
    else if (*v != "sqlite" && *v != "memory") r_.error(target["store"], "target.store", "'" + *v + "' is not a store: expected sqlite or memory");
    else s.server_store = *v;
  }
  if (const auto v = r_.text(target, "server_config", "target.server_config")) {
    // Relative to the scenario file, so a scenario and its server config travel together.
    const auto path = std::filesystem::path(file_).parent_path() / *v;
    if (!target["spawn"]) r_.error(target["server_config"], "target.server_config", "only applies to spawn: reference-server");
    else if (!std::filesystem::is_regular_file(path)) r_.error(target["server_config"], "target.server_config", "'" + path.string() + "' does not exist");
    else s.server_config = path.string();
  }
  if (const auto v = r_.text(target, "test_token_secret", "target.test_token_secret")) s.test_token_secret = *v;
  else if (const char* env = std::getenv("THRONG_TEST_TOKEN_SECRET"); env && has_url) s.test_token_secret = env;
  if (const auto v = r_.text(target, "auth_url", "target.auth_url")) {
    if (v->rfind("http://", 0) != 0 || !parse_ws_url("ws://" + v->substr(7)))
      r_.error(target["auth_url"], "target.auth_url", "'" + *v + "' is not an http://host:port URL");
    else s.auth_url = *v;
  }
}

void scenario_parser::parse_behaviour(const YAML::Node& map, const std::string& path, behaviour_text& b) {
  auto& d = b.does;
  if (const auto v = r_.text(map, "auth", path + "auth")) {
    if (*v == "anonymous") d.auth = control::AUTH_ANONYMOUS;
    else if (*v == "minted") d.auth = control::AUTH_MINTED_TOKEN;
    else if (*v == "register") d.auth = control::AUTH_REGISTER_LOGIN;
    else r_.error(map["auth"], path + "auth", "'" + *v + "' is not an auth mode: expected minted, register or anonymous");
  }
  if (r_.field(map, "rooms", path + "rooms", d.rooms, parse_uint, "a count such as 4") && d.rooms == 0)
    r_.error(map["rooms"], path + "rooms", "must be at least 1");
  if (const auto v = r_.text(map, "room_prefix", path + "room_prefix")) d.room_prefix = *v;
  if (const auto v = r_.text(map, "room_choice", path + "room_choice")) {
    if (*v == "round-robin") d.room_choice = control::ROOMS_ROUND_ROBIN;
    else if (*v == "uniform") d.room_choice = control::ROOMS_UNIFORM;
    else if (*v == "zipf") d.room_choice = control::ROOMS_ZIPF;
    else if (*v == "list") d.room_choice = control::ROOMS_LIST;
    else r_.error(map["room_choice"], path + "room_choice", "'" + *v + "' is not a room choice: expected round-robin, uniform, zipf or list");
  }
  if (r_.field(map, "rooms_per_user", path + "rooms_per_user", d.rooms_per_user, parse_uint, "a count such as 2") &&
      d.rooms_per_user == 0)
    r_.error(map["rooms_per_user"], path + "rooms_per_user", "must be at least 1");
  if (r_.field(map, "zipf", path + "zipf", d.zipf_s, parse_positive, "a positive exponent such as 1.1") &&
      !map["room_choice"])
    d.room_choice = control::ROOMS_ZIPF;  // a skew implies the Zipf law
  if (const YAML::Node list = map["room_list"]) {
    if (!list.IsSequence() || list.size() == 0) {
      r_.error(list, path + "room_list", "expected a list of room names");
    } else {
      d.room_list.clear();
      for (const auto& room : list)
        if (const auto v = r_.scalar(room, path + "room_list")) d.room_list.push_back(*v);
      if (!map["room_choice"]) d.room_choice = control::ROOMS_LIST;
    }
  }
  if (const auto v = r_.text(map, "send_model", path + "send_model")) {
    static const std::vector<std::string> models{"none", "fixed", "poisson", "think-time", "group", "closed-loop"};
    if (std::find(models.begin(), models.end(), *v) == models.end())
      r_.error(map["send_model"], path + "send_model", "'" + *v + "' is not a send model: expected fixed, poisson, think-time, group, closed-loop or none");
    else b.send_model = *v;
    // A group that stops sending, or paces by think time, drops the rate it inherited.
    if ((*v == "none" || *v == "think-time" || *v == "closed-loop") && !map["rate"] && !map["rate_per_user"])
      b.rate_total.reset(), b.rate_per_user.reset();
  }
  double rate = 0;
  if (r_.field(map, "rate", path + "rate", rate, parse_rate_per_s, "sends per second for the whole group, such as 400/s or 12k/m"))
    b.rate_total = rate, b.rate_per_user.reset();
  if (r_.field(map, "rate_per_user", path + "rate_per_user", rate, parse_rate_per_s, "sends per second per user, such as 2/m"))
    b.rate_per_user = rate, b.rate_total.reset();
  if (map["rate"] && map["rate_per_user"]) r_.error(map["rate_per_user"], path + "rate_per_user", "give rate (the group's total) or rate_per_user, not both");
  if (auto t = distribution(map, "think_time", path + "think_time", distribution_unit::seconds)) d.think_time = *t, b.think_time = true;
  if (auto t = distribution(map, "session_duration", path + "session_duration", distribution_unit::seconds)) d.session_duration = *t;
  if (auto t = distribution(map, "message_size", path + "message_size", distribution_unit::bytes)) {
    d.message_size = *t;
    if (!within_message_limit(*t)) r_.error(map["message_size"], path + "message_size", "must be at most 16MiB");
  }
  if (r_.field(map, "dup_factor", path + "dup_factor", d.dup_factor, parse_uint, "an integer from 1 to 10000") &&
      (d.dup_factor == 0 || d.dup_factor > max_dup_factor))
    r_.error(map["dup_factor"], path + "dup_factor", "must be from 1 to 10000");
  if (const auto v = r_.text(map, "body", path + "body")) d.body_template = *v;
  r_.field(map, "connect_rate", path + "connect_rate", d.connect_rate, parse_rate_per_s, "new connections per second, such as 500/s");
  if (r_.field(map, "connect_attempts", path + "connect_attempts", d.connect_attempts, parse_uint, "an integer from 1 to 1000") &&
      (d.connect_attempts == 0 || d.connect_attempts > 1000))
    r_.error(map["connect_attempts"], path + "connect_attempts", "must be from 1 to 1000");
}

std::vector<stage> scenario_parser::parse_stages(const YAML::Node& node, const std::string& path, bool users) {
  std::vector<stage> stages;
  if (!node.IsSequence() || node.size() == 0) {
    r_.error(node, path, "expected a list of {duration, target} stages");
    return stages;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node st = node[i];
    const std::string p = path + "[" + std::to_string(i) + "].";
    if (!st.IsMap()) {
      r_.error(st, path + "[" + std::to_string(i) + "]", "expected {duration: 30s, target: " + std::string(users ? "100}" : "50/s}"));
      continue;
    }
    r_.check_keys(st, p, {"duration", "target"});
    stage out;
    r_.field(st, "duration", p + "duration", out.duration_ns, parse_duration_ns, "a duration such as 30s", true);
    if (users) {
      std::uint64_t target = 0;
      if (r_.field(st, "target", p + "target", target, parse_uint, "a user count such as 100", true))
        out.target = static_cast<double>(target);
    } else {
      r_.field(st, "target", p + "target", out.target, parse_rate_per_s, "an arrival rate such as 50/s", true);
    }
    stages.push_back(out);
  }
  return stages;
}

void scenario_parser::parse_scenario_body(const std::string& name, const YAML::Node& body, const std::string& path,
                                          scenario& s) {
  if (!path.empty()) r_.check_keys(body, path, joined({&executor_keys, &behaviour_keys}));
  executor_kind executor = body["stages"] ? executor_kind::ramping_users : executor_kind::constant_users;
  if (const auto v = r_.text(body, "executor", path + "executor")) {
    if (*v == "constant-users") executor = executor_kind::constant_users;
    else if (*v == "ramping-users") executor = executor_kind::ramping_users;
    else if (*v == "constant-arrival-rate") executor = executor_kind::constant_arrival_rate;
    else if (*v == "ramping-arrival-rate") executor = executor_kind::ramping_arrival_rate;
    else {
      r_.error(body["executor"], path + "executor", "'" + *v + "' is not an executor: expected constant-users, ramping-users, constant-arrival-rate or ramping-arrival-rate");
      return;
    }
  }
  user_group base;
  base.scenario = name;
  base.executor = executor;
  const auto not_for = [&](const char* key, const char* instead) {
    if (body[key]) r_.error(body[key], path + key, std::string("does not apply to ") + executor_name(executor) + ": " + instead);
  };
  std::uint64_t users = 0;
  bool users_unreadable = false;  // already reported: no follow-on errors about a zero count
  double arrival_rate = 0, start_rate = 0;
  bool duration_read = false, arrival_rate_read = false, stages_read = false;  // parsed: only then is a zero worth a word
  switch (executor) {
    case executor_kind::constant_users:
      users_unreadable =
          !r_.field(body, "users", path + "users", users, parse_uint, "a count such as 200 or 10k", !body["groups"]) &&
          body["users"];
      duration_read =
          r_.field(body, "duration", path + "duration", base.duration_ns, parse_duration_ns, "a duration such as 30s or 5m", true);
      not_for("stages", "use ramping-users for stages");
      not_for("arrival_rate", "use constant-arrival-rate");
      not_for("start_rate", "use ramping-arrival-rate");
      break;
    case executor_kind::ramping_users:
      {
        const auto errors_before = r_.error_count();
        base.stages = parse_stages(body["stages"], path + "stages", true);
        stages_read = body["stages"] && !r_.error_count_grew(errors_before);
      }
      if (!body["stages"]) r_.error(body, path + "stages", "is required by ramping-users (a list of {duration, target})");
      not_for("users", "the stages' targets give the user counts");
      not_for("duration", "the stages give the length");
      not_for("arrival_rate", "use constant-arrival-rate");
      not_for("start_rate", "use ramping-arrival-rate");
      break;
    case executor_kind::constant_arrival_rate:
      arrival_rate_read = r_.field(body, "arrival_rate", path + "arrival_rate", arrival_rate, parse_rate_per_s,
                                   "new users per second, such as 20/s", true);
      duration_read =
          r_.field(body, "duration", path + "duration", base.duration_ns, parse_duration_ns, "a duration such as 30s or 5m", true);
      if (arrival_rate_read && arrival_rate <= 0) r_.error(body["arrival_rate"], path + "arrival_rate", "must be above zero");
      base.stages = {{0, arrival_rate}, {base.duration_ns, arrival_rate}};
      not_for("users", "users arrive at arrival_rate, each for one session_duration");
      not_for("stages", "use ramping-arrival-rate for stages");
      not_for("start_rate", "use ramping-arrival-rate");
      break;
    case executor_kind::ramping_arrival_rate:
      r_.field(body, "start_rate", path + "start_rate", start_rate, parse_rate_per_s, "new users per second, such as 5/s");
      {
        const auto errors_before = r_.error_count();
        base.stages = parse_stages(body["stages"], path + "stages", false);
        stages_read = body["stages"] && !r_.error_count_grew(errors_before);
      }
      if (!body["stages"]) r_.error(body, path + "stages", "is required by ramping-arrival-rate (a list of {duration, target})");
      base.stages.insert(base.stages.begin(), stage{0, start_rate});
      not_for("users", "users arrive at the stages' rates, each for one session_duration");
      not_for("duration", "the stages give the length");
      not_for("arrival_rate", "use start_rate and stages");
      break;
  }
  if (executor == executor_kind::ramping_users || executor == executor_kind::ramping_arrival_rate) {
    base.duration_ns = 0;
    for (const auto& st : base.stages) base.duration_ns += st.duration_ns;
  }
  if (duration_read && base.duration_ns <= 0)
    r_.error(body["duration"], path + "duration", "must be longer than zero");
  if (stages_read && base.duration_ns <= 0) r_.error(body["stages"], path + "stages", "must last longer than zero");
  if (r_.field(body, "start_time", path + "start_time", base.start_ns, parse_duration_ns, "a duration such as 30s") &&
      base.start_ns % second_ns != 0)
    r_.error(body["start_time"], path + "start_time", "must be whole seconds (results are reported per second)");
  r_.field(body, "graceful_stop", path + "graceful_stop", base.graceful_stop_ns, parse_duration_ns, "a duration such as 2s");
  if (executor == executor_kind::ramping_users) {
    for (const auto& st : base.stages) users = std::max(users, static_cast<std::uint64_t>(st.target));
    if (body["stages"] && users == 0) r_.error(body["stages"], path + "stages", "at least one stage needs a target above 0");
  }
  if (base.open_model()) users = 1000;  // arrival slots: how arrivals are dealt out over agents, not a cap

  behaviour_text defaults;
  parse_behaviour(body, path, defaults);

  // Groups: the scenario's fields are their defaults; users (or rates) split by weight or given as counts.
  struct group_text {
    std::string name;
    YAML::Node node;  // undefined for the implicit default group
    double weight = 0;
    std::uint64_t users = 0;
    const YAML::Node& at(const YAML::Node& body) const { return node.IsDefined() && !node.IsNull() ? node : body; }
  };
  std::vector<group_text> groups;
  const YAML::Node group_nodes = body["groups"];
  bool by_count = false, by_weight = false;
  if (group_nodes) {
    if (!group_nodes.IsMap() || group_nodes.size() == 0) {
      r_.error(group_nodes, path + "groups", "expected a mapping of group names to {weight or users, and fields to override}");
      return;
    }
    for (const auto& entry : group_nodes) {
      group_text g{entry.first.as<std::string>(), entry.second};
      const std::string p = path + "groups." + g.name + ".";
      if (!g.node.IsMap()) {
        r_.error(g.node, p.substr(0, p.size() - 1), "expected {weight: 1} or {users: 100}, with fields to override");
        continue;
      }
      r_.check_keys(g.node, p, joined({&behaviour_keys, &group_size_keys}));
      if (g.node["weight"] && g.node["users"]) r_.error(g.node, p + "weight", "give weight or users, not both");
      if (r_.field(g.node, "weight", p + "weight", g.weight, parse_positive, "a positive number")) by_weight = true;
      if (g.node["users"]) {
        if (executor != executor_kind::constant_users) r_.error(g.node["users"], p + "users", std::string("counts only apply to constant-users; give ") + executor_name(executor) + " groups a weight");
        else if (r_.field(g.node, "users", p + "users", g.users, parse_uint, "a count such as 100") && g.users == 0)
          r_.error(g.node["users"], p + "users", "must be at least 1");
        by_count = true;
      }
      if (!g.node["weight"] && !g.node["users"]) g.weight = 1, by_weight = true;
      groups.push_back(std::move(g));
    }
    if (by_count && by_weight) r_.error(group_nodes, path + "groups", "give every group users, or every group a weight, not a mix");
    if (by_count && body["users"]) {
      std::uint64_t sum = 0;
      for (const auto& g : groups) sum += g.users;
      if (sum != users) r_.error(body["users"], path + "users", "is " + std::to_string(users) + " but the groups' users add up to " + std::to_string(sum) + "; drop one of them");
    }
  } else {
    groups.push_back({"default", YAML::Node(YAML::NodeType::Undefined), 1, 0});
  }
  if (!by_count && executor == executor_kind::constant_users && body["users"] && users == 0 && !users_unreadable)
    r_.error(body["users"], path + "users", "must be at least 1");
  if (!by_count && executor == executor_kind::constant_users && !body["users"] && group_nodes)
    r_.error(body, path + "users", "is required: groups by weight share the scenario's users (or give each group users)");

  // Exact integer shares of the users (and of each stage's users), weights as capacities.
  double weight_sum = 0;
  for (const auto& g : groups) weight_sum += g.weight;
  std::vector<std::uint32_t> weights;
  for (const auto& g : groups) weights.push_back(static_cast<std::uint32_t>(std::llround(g.weight / weight_sum * 1e6)));
  const auto user_shares = split_users(users, weights);
  std::vector<std::vector<user_share>> stage_shares;
  for (const auto& st : base.stages) stage_shares.push_back(split_users(static_cast<std::uint64_t>(st.target), weights));

  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& gt = groups[i];
    user_group g = base;
    g.name = gt.name;
    const double fraction = by_count ? static_cast<double>(gt.users) / static_cast<double>(std::max<std::uint64_t>(1, users))
                                     : gt.weight / weight_sum;
    behaviour_text b = defaults;
    if (b.rate_total) *b.rate_total *= fraction;  // the scenario's total rate is shared like its users
    b.does.connect_rate *= fraction;
    const std::string gpath = group_nodes ? path + "groups." + gt.name + "." : path;
    if (group_nodes) parse_behaviour(gt.node, gpath, b);
    if (by_count) {
      g.users = gt.users;
    } else if (executor == executor_kind::ramping_users) {
      // Every stage's users split like the scenario's; the group's slots are its peak.
      g.users = 0;
      for (std::size_t k = 0; k < g.stages.size(); ++k) {
        g.stages[k].target = static_cast<double>(stage_shares[k][i].user_count);
        g.users = std::max(g.users, stage_shares[k][i].user_count);
      }
    } else if (!g.open_model()) {
      g.users = user_shares[i].user_count;
    } else {
      g.users = users;
      for (auto& st : g.stages) st.target *= fraction;
    }
    if (g.users == 0 && (body["users"] || body["stages"]) && !g.open_model() && !users_unreadable)
      r_.error(gt.at(body), gpath + "users", "this group gets no users; raise the scenario's users or this group's weight");
    resolve_sends(g, b, gt.at(body), gpath);
    s.groups.push_back(std::move(g));
  }
}

void scenario_parser::resolve_sends(user_group& g, const behaviour_text& b, const YAML::Node& at, const std::string& path) {
  g.does = b.does;
  std::string model = b.send_model.value_or(b.think_time                         ? "think-time"
                                            : b.rate_total || b.rate_per_user ? "fixed"
                                                                              : "none");
  const auto fail = [&](const std::string& message) { r_.error(at, path + "send_model", message); };
  if (model == "none") {
    g.does.send_model = control::SEND_NONE;
    if (b.rate_total || b.rate_per_user) fail("is none, but a rate is given; drop the rate or choose fixed, poisson or group");
  } else if (model == "fixed" || model == "poisson") {
    g.does.send_model = model == "fixed" ? control::SEND_FIXED_RATE : control::SEND_POISSON;
    if (b.rate_per_user) g.does.sends_per_user_per_s = *b.rate_per_user;
    else if (b.rate_total && g.open_model()) fail("users come and go under an arrival-rate executor: give rate_per_user, or send_model: group for a total rate");
    else if (b.rate_total && g.users) g.does.sends_per_user_per_s = *b.rate_total / static_cast<double>(g.users);
    else if (!b.rate_total) fail(model + " sends need rate (the group's total) or rate_per_user");
  } else if (model == "group") {
    g.does.send_model = control::SEND_GROUP_RATE;
    if (!b.rate_total) fail("group sends need rate: the group's total sends per second");
    else g.does.sends_per_user_per_s = *b.rate_total;
  } else if (model == "think-time" || model == "closed-loop") {
    g.does.send_model = model == "think-time" ? control::SEND_THINK_TIME : control::SEND_CLOSED_LOOP;
    if (model == "think-time" && !b.think_time) fail("think-time sends need think_time, e.g. exp:30s");
    if (b.rate_total || b.rate_per_user) fail(model + " sends are paced by think_time, not a rate; drop the rate");
  }
  if (g.does.auth == control::AUTH_ANONYMOUS && g.does.send_model != control::SEND_NONE)
    r_.error(at, path + "auth", "anonymous users can only read: use send_model: none, or auth: minted");
  if (g.does.room_choice == control::ROOMS_LIST && g.does.room_list.empty())
    r_.error(at, path + "room_list", "room_choice: list needs room_list: [names]");
  if (g.does.room_choice != control::ROOMS_LIST && g.does.room_choice != control::ROOMS_ROUND_ROBIN &&
      g.does.rooms_per_user > g.does.rooms)
    r_.error(at, path + "rooms_per_user", "is more than rooms (" + std::to_string(g.does.rooms) + ")");
  if (g.open_model() && !distribution_is_set(g.does.session_duration))
    r_.error(at, path + "session_duration", "is required by arrival-rate executors: each arriving user stays this long, e.g. exp:30s");
}

void scenario_parser::parse_events(const YAML::Node& node, scenario& s) {
  if (!node.IsSequence()) {
    r_.error(node, "events", "expected a list of events, e.g. - {at: 20s, burst: {multiplier: 3, duration: 5s}}");
    return;
  }
  const auto names = s.scenario_names();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node e = node[i];
    const std::string p = "events[" + std::to_string(i) + "].";
    if (!e.IsMap()) {
      r_.error(e, p.substr(0, p.size() - 1), "expected a mapping with at and one of burst, reconnect_storm, pause");
      continue;
    }
    r_.check_keys(e, p, {"at", "scenarios", "burst", "reconnect_storm", "pause"});
    timeline_event out;
    r_.field(e, "at", p + "at", out.at_ns, parse_duration_ns, "a time after the start, such as 20s", true);
    if (const YAML::Node list = e["scenarios"]) {
      if (!list.IsSequence()) r_.error(list, p + "scenarios", "expected a list of scenario names");
      else
        for (const auto& n : list) {
          const auto v = r_.scalar(n, p + "scenarios");
          if (!v) continue;
          if (std::find(names.begin(), names.end(), *v) == names.end()) r_.error(n, p + "scenarios", "'" + *v + "' is not a scenario of this file");
          out.scenarios.push_back(*v);
        }
    }
    const int kinds = (e["burst"] ? 1 : 0) + (e["reconnect_storm"] ? 1 : 0) + (e["pause"] ? 1 : 0);
    if (kinds != 1) {
      r_.error(e, p.substr(0, p.size() - 1), "needs exactly one of burst, reconnect_storm, pause");
      continue;
    }
    if (const YAML::Node b = e["burst"]) {
      out.what = timeline_event::kind::burst;
      if (!b.IsMap()) {
        r_.error(b, p + "burst", "expected {multiplier: 3, duration: 5s}");
        continue;
      }
      r_.check_keys(b, p + "burst.", {"multiplier", "duration"});
      r_.field(b, "multiplier", p + "burst.multiplier", out.multiplier, parse_positive, "a positive factor such as 3", true);
      if (r_.field(b, "duration", p + "burst.duration", out.length_ns, parse_duration_ns, "a duration such as 5s", true) && out.length_ns <= 0)
        r_.error(b["duration"], p + "burst.duration", "must be longer than zero");
    } else if (const YAML::Node st = e["reconnect_storm"]) {
      out.what = timeline_event::kind::reconnect_storm;
      if (!st.IsMap()) {
        r_.error(st, p + "reconnect_storm", "expected {fraction: 0.3, window: 2s, backoff: 100ms..5s}");
        continue;
      }
      r_.check_keys(st, p + "reconnect_storm.", {"fraction", "window", "backoff"});
      double fraction = 0;
      std::int64_t window = second_ns;
      if (r_.field(st, "fraction", p + "reconnect_storm.fraction", fraction, parse_positive, "a fraction of users such as 0.3", true) && fraction > 1)
        r_.error(st["fraction"], p + "reconnect_storm.fraction", "must be at most 1 (all users)");
      r_.field(st, "window", p + "reconnect_storm.window", window, parse_duration_ns, "a duration such as 2s");
      out.storm.set_fraction(fraction);
      out.storm.set_window_ns(window);
      if (const auto v = r_.text(st, "backoff", p + "reconnect_storm.backoff")) {
        const auto dots = v->find("..");
        const auto base = parse_duration_ns(v->substr(0, dots));
        const auto max = dots == std::string::npos ? base : parse_duration_ns(v->substr(dots + 2));
        if (!base || !max || *base <= 0 || *max < *base)
          r_.error(st["backoff"], p + "reconnect_storm.backoff", "'" + *v + "' is not a backoff range such as 100ms..5s (first delay..longest delay)");
        else out.storm.set_backoff_base_ns(*base), out.storm.set_backoff_max_ns(*max);
      }
    } else {
      out.what = timeline_event::kind::pause;
      if (r_.field(e, "pause", p + "pause", out.length_ns, parse_duration_ns, "how long to stop sending, such as 3s") && out.length_ns <= 0)
        r_.error(e["pause"], p + "pause", "must be longer than zero");
    }
    if (out.at_ns >= s.end_ns() && e["at"]) r_.error(e["at"], p + "at", "is after every scenario has stopped sending");
    s.events.push_back(std::move(out));
  }
}

void scenario_parser::parse_thresholds(const YAML::Node& node, scenario& s) {
  if (!node.IsMap()) {
    r_.error(node, "thresholds", "expected metric: [expressions], e.g. e2e: [\"p(95) < 1500ms\"]");
    return;
  }
  const auto names = s.scenario_names();
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    const std::string path = "thresholds." + key;
    threshold base;
    if (const auto why = parse_threshold_metric(key, base); !why.empty()) {
      r_.error(entry.first, path, why);
      continue;
    }
    if (base.tag_key == "scenario" && std::find(names.begin(), names.end(), base.tag_value) == names.end())
      r_.error(entry.first, path, "'" + base.tag_value + "' is not a scenario of this file");
    if (base.tag_key == "group") {
      bool found = false;
      for (const auto& g : s.groups) found = found || g.tag() == base.tag_value;
      if (!found) r_.error(entry.first, path, "'" + base.tag_value + "' is not a group; write scenario/group, e.g. chat/talkers");
    }
    const YAML::Node list = entry.second;
    if (!list.IsSequence()) {
      r_.error(list, path, "expected a list of expressions, e.g. [\"p(95) < 1500ms\"]");
      continue;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string p = path + "[" + std::to_string(i) + "]";
      threshold t = base;
      YAML::Node expression = item;
      if (item.IsMap()) {
        r_.check_keys(item, p + ".", {"threshold", "abort_on_fail", "delay_abort_eval"});
        expression.reset(item["threshold"]);  // YAML::Node assignment would overwrite `item`
        if (!expression) {
          r_.error(item, p + ".threshold", "is required, e.g. threshold: \"p(99) < 3s\"");
          continue;
        }
        r_.field(item, "abort_on_fail", p + ".abort_on_fail", t.abort_on_fail, parse_bool, "true or false");
        r_.field(item, "delay_abort_eval", p + ".delay_abort_eval", t.delay_abort_eval_ns, parse_duration_ns, "a duration such as 10s");
      }
      const auto text = r_.scalar(expression, p);
      if (!text) continue;
      if (const auto why = parse_threshold_expression(*text, t); !why.empty()) {
        r_.error(expression, p, why);
        continue;
      }
      s.thresholds.push_back(std::move(t));
    }
  }
}

void scenario_parser::check_auth(const scenario& s, const YAML::Node& root) {
  // register + login uses the target's own API unless target.auth_url says otherwise: nothing to check.
  if (!s.target_urls.empty() && s.mints_tokens() && s.test_token_secret.empty())
    r_.error(root["target"] ? root["target"] : root, "target.test_token_secret",
             "is required to mint user tokens for a url target (the server's --test-token-secret); set it here or in "
             "THRONG_TEST_TOKEN_SECRET, or use auth: register or anonymous");
}

}  // namespace

scenario_result parse_scenario(const std::string& yaml_text, const std::string& file_name) {
  scenario_result result;
  YAML::Node parsed;
  try {
    parsed = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    result.errors.push_back({file_name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg});
    return result;
  }
  // Const access only: yaml-cpp's non-const operator[] may insert keys.
  const YAML::Node root = parsed;
  if (!root.IsMap()) {
    result.errors.push_back({file_name, 1, 1, "", "a scenario is a YAML mapping of fields such as target, scenarios, thresholds"});
    return result;
  }
  scenario_parser parser(file_name, result.errors);
  auto s = parser.parse(root);
  if (result.errors.empty() && s) {
    s->source = yaml_text;
    result.value = std::move(s);
  }
  return result;
}

scenario_result load_scenario_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    scenario_result result;
    result.errors.push_back({path, 0, 0, "", "cannot read the scenario file (does it exist?)"});
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace throng::controller
