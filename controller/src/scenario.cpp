#include <cstdlib>
#include "throng/controller/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

#include "throng/common/units.hpp"
#include "throng/common/url.hpp"

namespace throng::controller {

std::string validation_error::str() const {
  std::ostringstream out;
  out << file << ':' << line << ':' << column << ": " << (path.empty() ? "" : path + ": ") << message;
  return out.str();
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Walks the YAML tree, converting fields and collecting every error.
class reader {
 public:
  reader(std::string file, std::vector<validation_error>& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    const auto mark = at.Mark();
    errors_.push_back({file_, mark.line + 1, mark.column + 1, path, message});
  }

  // Reports keys of `map` not in `known`, with a suggestion when one is close.
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& known) {
    for (const auto& entry : map) {
      const auto key = entry.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string suggestion;
      std::size_t best = 3;
      for (const auto& k : known) {
        const auto d = edit_distance(key, k);
        if (d < best) {
          best = d;
          suggestion = k;
        }
      }
      std::string message = "unknown field";
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      else {
        message += "; expected one of:";
        for (const auto& k : known) message += " " + k;
      }
      error(entry.first, prefix + key, message);
    }
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node, path, "expected a single value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  template <class T, class Parse>
  void field(const YAML::Node& map, const std::string& key, const std::string& path, T& out, Parse parse,
             const char* expected, bool required = false) {
    const YAML::Node node = map[key];
    if (!node) {
      if (required) error(map, path, "is required (" + std::string(expected) + ")");
      return;
    }
    const auto text = scalar(node, path);
    if (!text) return;
    const auto value = parse(*text);
    if (!value) {
      error(node, path, "'" + *text + "' is not valid: expected " + expected);
      return;
    }
    // A count that does not fit its field is an error, never a silent wrap-around.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                  std::is_unsigned_v<std::decay_t<decltype(*value)>>) {
      if (*value > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        error(node, path, "'" + *text + "' is too large: at most " + std::to_string(std::numeric_limits<T>::max()));
        return;
      }
    }
    out = static_cast<T>(*value);
  }

 private:
  std::string file_;
  std::vector<validation_error>& errors_;
};

std::optional<std::uint64_t> parse_uint(const std::string& text) { return parse_count(text); }

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  return std::nullopt;
}

}  // namespace

scenario_result parse_scenario(const std::string& yaml_text, const std::string& file_name) {
  scenario_result result;
  auto& errors = result.errors;
  YAML::Node parsed;
  try {
    parsed = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    errors.push_back({file_name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg});
    return result;
  }
  // Const access only: yaml-cpp's non-const operator[] may insert keys.
  const YAML::Node root = parsed;
  if (!root.IsMap()) {
    errors.push_back({file_name, 1, 1, "", "a scenario is a YAML mapping of fields such as target, duration, users"});
    return result;
  }

  reader r(file_name, errors);
  scenario s;
  s.file = file_name;
  s.name = std::filesystem::path(file_name).stem().string();
  r.check_keys(root, "", {"name", "seed", "target", "duration", "drain", "connect_timeout", "users", "rooms", "rate",
                          "message_size", "dup_factor", "agents", "auth"});

  if (root["name"]) {
    if (auto v = r.scalar(root["name"], "name")) s.name = *v;
  }
  r.field(root, "seed", "seed", s.seed, parse_uint, "a non-negative integer");
  r.field(root, "duration", "duration", s.duration_ns, parse_duration_ns, "a duration such as 30s or 5m", true);
  r.field(root, "drain", "drain", s.drain_ns, parse_duration_ns, "a duration such as 2s");
  r.field(root, "connect_timeout", "connect_timeout", s.connect_timeout_ns, parse_duration_ns, "a duration such as 10s");
  r.field(root, "users", "users", s.users, parse_uint, "a count such as 200 or 10k", true);
  r.field(root, "rooms", "rooms", s.rooms, parse_uint, "a count such as 4");
  r.field(root, "rate", "rate", s.rate_per_s, parse_rate_per_s, "total sends per second, such as 400/s or 12k/m");
  r.field(root, "message_size", "message_size", s.message_bytes, parse_bytes, "a size such as 64B or 1KiB");
  r.field(root, "dup_factor", "dup_factor", s.dup_factor, parse_uint, "an integer from 1 to 10000");
  r.field(root, "agents", "agents", s.local_agents, parse_uint, "the number of local agents, such as 2");

  if (root["duration"] && s.duration_ns <= 0 && parse_duration_ns(root["duration"].Scalar()))
    r.error(root["duration"], "duration", "must be longer than zero");
  if (root["users"] && s.users == 0 && root["users"].IsScalar() && parse_count(root["users"].Scalar()))
    r.error(root["users"], "users", "must be at least 1");
  if (s.users > 100'000'000) r.error(root["users"], "users", "at most 100M users per run");
  if (root["rooms"] && s.rooms == 0) r.error(root["rooms"], "rooms", "must be at least 1");
  if (s.dup_factor == 0 || s.dup_factor > 10'000) r.error(root["dup_factor"], "dup_factor", "must be from 1 to 10000");
  if (s.message_bytes > 16 * 1024 * 1024) r.error(root["message_size"], "message_size", "must be at most 16MiB");
  if (root["auth"]) {
    if (auto v = r.scalar(root["auth"], "auth")) {
      if (*v == "anonymous") s.anonymous = true;
      else if (*v != "minted") r.error(root["auth"], "auth", "'" + *v + "' is not an auth mode: expected minted or anonymous");
    }
  }
  if (s.anonymous && s.rate_per_s > 0)
    r.error(root["auth"], "auth", "anonymous users can only read: set rate: 0, or use auth: minted");
  if (root["agents"] && (s.local_agents == 0 || s.local_agents > 256))
    r.error(root["agents"], "agents", "must be from 1 to 256");

  const YAML::Node target = root["target"];
  if (!target) {
    r.error(root, "target", "is required: give target.url (ws://host:port/ws) or target.spawn: reference-server");
  } else if (!target.IsMap()) {
    r.error(target, "target", "expected a mapping with url or spawn");
  } else {
    r.check_keys(target, "target.", {"url", "spawn", "protocol", "server_threads", "batch", "store", "test_token_secret"});
    if (target["url"]) {
      if (auto v = r.scalar(target["url"], "target.url")) {
        if (auto url = parse_ws_url(*v); !url) r.error(target["url"], "target.url", "'" + *v + "' is not a ws://host:port/path URL");
        else if (url->tls) r.error(target["url"], "target.url", "wss:// is not supported yet; use ws://");
        else s.target_url = *v;
      }
    }
    if (target["spawn"]) {
      if (auto v = r.scalar(target["spawn"], "target.spawn")) {
        if (*v == "reference-server") s.spawn_server = true;
        else r.error(target["spawn"], "target.spawn", "'" + *v + "' is not something Throng can start; expected reference-server");
      }
    }
    if (target["url"] && target["spawn"])
      r.error(target, "target", "give either url or spawn, not both");
    else if (!target["url"] && !target["spawn"])
      r.error(target, "target", "needs url (ws://host:port/ws) or spawn: reference-server");
    if (target["protocol"]) {
      if (auto v = r.scalar(target["protocol"], "target.protocol")) {
        if (*v == "json") s.json_protocol = true;
        else if (*v != "binary") r.error(target["protocol"], "target.protocol", "'" + *v + "' is not a protocol: expected binary or json");
      }
    }
    r.field(target, "server_threads", "target.server_threads", s.server_threads, parse_uint, "a thread count such as 1");
    if (s.server_threads == 0 || s.server_threads > 256)
      r.error(target["server_threads"], "target.server_threads", "must be from 1 to 256");
    r.field(target, "batch", "target.batch", s.batch, parse_bool, "true or false");
    if (target["store"]) {
      if (auto v = r.scalar(target["store"], "target.store")) {
        if (!target["spawn"]) r.error(target["store"], "target.store", "only applies to spawn: reference-server");
        else if (*v != "sqlite" && *v != "memory") r.error(target["store"], "target.store", "'" + *v + "' is not a store: expected sqlite or memory");
        else s.server_store = *v;
      }
    }
    if (target["test_token_secret"]) {
      if (auto v = r.scalar(target["test_token_secret"], "target.test_token_secret")) s.test_token_secret = *v;
    } else if (const char* env = std::getenv("THRONG_TEST_TOKEN_SECRET")) {
      s.test_token_secret = env;
    }
    if (target["url"] && !s.anonymous && s.test_token_secret.empty())
      r.error(target, "target.test_token_secret",
              "is required to mint user tokens for a url target (the server's --test-token-secret); set it here or in "
              "THRONG_TEST_TOKEN_SECRET, or use auth: anonymous");
  }

  if (errors.empty()) result.value = std::move(s);
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
