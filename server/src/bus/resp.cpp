#include "resp.hpp"

#include <charconv>

namespace throng::server::resp {
namespace {

// Deep enough for any reply this server asks for (XREAD: array of arrays of arrays).
constexpr int max_depth = 8;

struct reader {
  std::string_view in;
  std::size_t pos = 0;

  // The line from pos to CRLF, or nullopt when it has not arrived.
  std::optional<std::string_view> line() {
    const auto end = in.find("\r\n", pos);
    if (end == std::string_view::npos) return std::nullopt;
    auto l = in.substr(pos, end - pos);
    pos = end + 2;
    return l;
  }

  static bool to_int(std::string_view s, std::int64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  }

  parse_status one(value& out, int depth) {
    if (depth > max_depth) return parse_status::malformed;
    if (pos >= in.size()) return parse_status::incomplete;
    const char type = in[pos++];
    auto l = line();
    if (!l) return parse_status::incomplete;
    switch (type) {
      case '+':
        out = {value::kind::simple, std::string(*l), 0, {}};
        return parse_status::complete;
      case '-':
        out = {value::kind::error, std::string(*l), 0, {}};
        return parse_status::complete;
      case ':':
        out = {value::kind::integer, {}, 0, {}};
        return to_int(*l, out.integer) ? parse_status::complete : parse_status::malformed;
      case '$': {
        std::int64_t n = 0;
        if (!to_int(*l, n) || n < -1) return parse_status::malformed;
        if (n == -1) {
          out = {};
          return parse_status::complete;
        }
        const auto len = static_cast<std::size_t>(n);
        if (in.size() - pos < len + 2) return parse_status::incomplete;
        if (in.substr(pos + len, 2) != "\r\n") return parse_status::malformed;
        out = {value::kind::bulk, std::string(in.substr(pos, len)), 0, {}};
        pos += len + 2;
        return parse_status::complete;
      }
      case '*': {
        std::int64_t n = 0;
        if (!to_int(*l, n) || n < -1) return parse_status::malformed;
        out = {};
        if (n == -1) return parse_status::complete;
        out.type = value::kind::array;
        // Each element needs at least 3 bytes: do not reserve what cannot have arrived.
        if (static_cast<std::size_t>(n) > (in.size() - pos) / 3 + 1) return parse_status::incomplete;
        out.elements.resize(static_cast<std::size_t>(n));
        for (auto& e : out.elements)
          if (auto s = one(e, depth + 1); s != parse_status::complete) return s;
        return parse_status::complete;
      }
      default:
        return parse_status::malformed;
    }
  }
};

}  // namespace

void append_command(std::string& out, const std::vector<std::string>& args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
}

parse_status parse(std::string_view in, value& out, std::size_t& consumed) {
  reader r{in};
  const auto status = r.one(out, 0);
  consumed = status == parse_status::complete ? r.pos : 0;
  return status;
}

}  // namespace throng::server::resp
