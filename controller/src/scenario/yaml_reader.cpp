#include "yaml_reader.hpp"

#include <algorithm>

namespace throng::controller {

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

}  // namespace

void yaml_reader::error(const YAML::Node& at, const std::string& path, const std::string& message) {
  const auto mark = at.Mark();
  errors_.push_back({file_, mark.line + 1, mark.column + 1, path, message});
}

void yaml_reader::check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& known) {
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
    if (!suggestion.empty()) {
      message += "; did you mean '" + suggestion + "'?";
    } else {
      message += "; expected one of:";
      for (const auto& k : known) message += " " + k;
    }
    error(entry.first, prefix + key, message);
  }
}

std::optional<std::string> yaml_reader::scalar(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, "expected a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> yaml_reader::text(const YAML::Node& map, const std::string& key, const std::string& path) {
  const YAML::Node node = map[key];
  if (!node) return std::nullopt;
  return scalar(node, path);
}

}  // namespace throng::controller
