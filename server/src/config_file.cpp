// The server's YAML config: preset rooms and the defaults a deployment sets
// once. Unknown keys and bad values are errors that name file:line.

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <set>
#include <type_traits>
#include <stdexcept>

#include "room_names.hpp"
#include "throng/server/server.hpp"
#include "transform.hpp"

namespace throng::server {
namespace {

struct reader {
  const std::string& path;

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    const auto mark = node.Mark();
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", path, mark.line + 1, mark.column + 1, what));
  }

  template <class T>
  T get(const YAML::Node& node, const std::string& key, const char* expected) const {
    T value{};
    try {
      value = node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, fmt::format("{}: expected {}", key, expected));
    }
    // Unsigned types already refuse a sign; durations and rates must not be negative either.
    if constexpr (std::is_floating_point_v<T>)
      if (value < 0) fail(node, fmt::format("{}: expected {}, not a negative number", key, expected));
    return value;
  }

  // A count no larger than `most` (the same bound as its flag's).
  std::size_t count(const YAML::Node& node, const std::string& key, std::size_t most) const {
    const auto value = get<std::size_t>(node, key, "a message count");
    if (value > most) fail(node, fmt::format("{}: {} is more than the {} allowed", key, value, most));
    return value;
  }

  void only_keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) const {
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (!allowed.contains(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, fmt::format("{}unknown key '{}'; expected one of: {}", where, key, list));
      }
    }
  }
};

}  // namespace

void load_server_config_file(const std::string& path, server_config& config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(fmt::format("cannot read server config '{}': check the path", path));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) return;
  const reader r{path};
  if (!root.IsMap()) r.fail(root, "the server config is a mapping of keys such as rooms, history, dynamic_rooms");
  r.only_keys(root,
              {"rooms", "dynamic_rooms", "history", "max_replay", "transform_seed", "presence_interval",
               "send_rate_per_user", "send_burst", "login_failures_per_minute"},
              "");
  if (auto n = root["dynamic_rooms"]) config.dynamic_rooms = r.get<bool>(n, "dynamic_rooms", "true or false");
  if (auto n = root["history"]) config.history_depth = r.count(n, "history", server_config::max_history_depth);
  if (auto n = root["max_replay"]) config.max_replay = r.count(n, "max_replay", server_config::max_replay_limit);
  if (auto n = root["transform_seed"]) config.transform_seed = r.get<std::uint64_t>(n, "transform_seed", "an integer");
  if (auto n = root["presence_interval"])
    config.presence_interval_s = r.get<double>(n, "presence_interval", "seconds, e.g. 1.0");
  if (auto n = root["send_rate_per_user"])
    config.send_rate_per_user = r.get<double>(n, "send_rate_per_user", "sends per second (0 = off)");
  if (auto n = root["send_burst"]) config.send_burst = r.get<double>(n, "send_burst", "a number of sends");
  if (auto n = root["login_failures_per_minute"])
    config.login_failures_per_minute = r.get<unsigned>(n, "login_failures_per_minute", "a count");

  if (auto rooms = root["rooms"]) {
    if (!rooms.IsSequence()) r.fail(rooms, "rooms: expected a list of {name, transform, history}");
    std::set<std::string> seen;
    for (const auto& room : rooms) {
      if (!room.IsMap()) r.fail(room, "rooms[]: expected a mapping with name, transform, history");
      r.only_keys(room, {"name", "transform", "history"}, "rooms[]: ");
      room_preset preset;
      if (!room["name"]) r.fail(room, "rooms[]: every room needs a name");
      preset.name = r.get<std::string>(room["name"], "rooms[].name", "a room name");
      if (!valid_room_name(preset.name)) r.fail(room["name"], fmt::format("rooms[].name '{}': {}", preset.name, room_name_rule));
      if (!seen.insert(preset.name).second) r.fail(room["name"], fmt::format("rooms[].name '{}' is listed twice", preset.name));
      if (auto t = room["transform"]) {
        preset.transform = r.get<std::string>(t, "rooms[].transform", "a style name");
        if (!parse_transform_style(preset.transform))
          r.fail(t, fmt::format("rooms[].transform '{}' is not a style; expected one of: {}", preset.transform,
                                transform_style_names()));
      }
      if (auto h = room["history"]) preset.history_depth = r.count(h, "rooms[].history", server_config::max_history_depth);
      config.rooms.push_back(std::move(preset));
    }
  }
}

}  // namespace throng::server
