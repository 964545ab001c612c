#pragma once
// RESP2, the Redis wire protocol: commands out, replies in. Pure functions,
// no I/O, so the parser is tested on its own.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace throng::server::resp {

struct value {
  enum class kind : std::uint8_t { simple, error, integer, bulk, array, nil };
  kind type = kind::nil;
  std::string text;             // simple, error, bulk
  std::int64_t integer = 0;
  std::vector<value> elements;  // array

  bool is_error() const { return type == kind::error; }
  static value failure(std::string why) { return {kind::error, std::move(why), 0, {}}; }
};

// Appends one command (an array of bulk strings) to `out`.
void append_command(std::string& out, const std::vector<std::string>& args);

enum class parse_status { complete, incomplete, malformed };

// Parses one reply from the front of `in`. complete: `out` holds it and
// `consumed` its length; incomplete: more bytes are needed; malformed: the
// stream cannot be read further.
parse_status parse(std::string_view in, value& out, std::size_t& consumed);

}  // namespace throng::server::resp
