#pragma once
// Message transform styles ("skibidification"): a fast, deterministic rewrite
// applied once per message on the room's owner shard, before storage and
// fan-out. UTF-8 safe: only ASCII bytes are ever changed or split on.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace throng::server {

enum class transform_style { none, bestie, pirate, shout };

std::optional<transform_style> parse_transform_style(std::string_view name);
std::string_view transform_style_name(transform_style style);
// "none, bestie, pirate, shout", for error messages.
std::string_view transform_style_names();

// The same body, style and seed always give the same result.
std::string apply_transform(transform_style style, std::string_view body, std::uint64_t seed);

}  // namespace throng::server
