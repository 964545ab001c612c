#pragma once
// Walks a YAML tree for the scenario parser: converts fields with human
// units and collects every error with its line, column and field path.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "throng/controller/scenario.hpp"

namespace throng::controller {

class yaml_reader {
 public:
  yaml_reader(std::string file, std::vector<validation_error>& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message);
  // Reports keys of `map` not in `known`, with a suggestion when one is close.
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& known);
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path);
  // The text of map[key] when present and a scalar.
  std::optional<std::string> text(const YAML::Node& map, const std::string& key, const std::string& path);
  bool error_count_grew(std::size_t before) const { return errors_.size() > before; }
  std::size_t error_count() const { return errors_.size(); }

  // Converts map[key] with `parse` (returning an optional) into `out`; a
  // missing key leaves `out` alone unless required. True when it was set.
  template <class T, class Parse>
  bool field(const YAML::Node& map, const std::string& key, const std::string& path, T& out, Parse parse,
             const char* expected, bool required = false) {
    const YAML::Node node = map[key];
    if (!node) {
      if (required) error(map, path, "is required (" + std::string(expected) + ")");
      return false;
    }
    const auto value_text = scalar(node, path);
    if (!value_text) return false;
    const auto value = parse(*value_text);
    if (!value) {
      error(node, path, "'" + *value_text + "' is not valid: expected " + expected);
      return false;
    }
    // A count that does not fit its field is an error, never a silent wrap-around.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                  std::is_unsigned_v<std::decay_t<decltype(*value)>>) {
      if (*value > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        error(node, path, "'" + *value_text + "' is too large: at most " + std::to_string(std::numeric_limits<T>::max()));
        return false;
      }
    }
    out = static_cast<T>(*value);
    return true;
  }

 private:
  std::string file_;
  std::vector<validation_error>& errors_;
};

}  // namespace throng::controller
