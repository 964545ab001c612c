#include "message_body.hpp"

#include <fmt/format.h>

#include <iterator>

namespace throng::agent {

void render_body(const std::string& templ, const std::string& user, std::uint64_t n, std::size_t size, std::string& body) {
  body.clear();
  if (templ.empty()) {
    fmt::format_to(std::back_inserter(body), "{} #{} ", user, n);
  } else {
    for (std::size_t i = 0; i < templ.size(); ++i) {
      if (templ.compare(i, 6, "{user}") == 0) {
        body += user;
        i += 5;
      } else if (templ.compare(i, 3, "{n}") == 0) {
        fmt::format_to(std::back_inserter(body), "{}", n);
        i += 2;
      } else {
        body += templ[i];
      }
    }
  }
  body.resize(size, 'x');
}

}  // namespace throng::agent
