#include "message_body.hpp"

#include <fmt/format.h>

namespace throng::agent {

// Plain appends: this runs for every send, and a format string costs more than the send's own encoding.
void render_body(const std::string& templ, const std::string& user, std::uint64_t n, std::size_t size, std::string& body) {
  body.clear();
  if (templ.empty()) {
    body += user;
    body += " #";
    body += fmt::format_int(n).c_str();
    body += ' ';
  } else {
    for (std::size_t i = 0; i < templ.size(); ++i) {
      if (templ.compare(i, 6, "{user}") == 0) {
        body += user;
        i += 5;
      } else if (templ.compare(i, 3, "{n}") == 0) {
        body += fmt::format_int(n).c_str();
        i += 2;
      } else {
        body += templ[i];
      }
    }
  }
  body.resize(size, 'x');
}

}  // namespace throng::agent
