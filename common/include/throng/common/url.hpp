#pragma once
// ws://host:port/path URLs for targets and the controller.

#include <optional>
#include <string>
#include <string_view>

namespace throng {

struct ws_url {
  std::string host;
  unsigned short port = 80;
  std::string path = "/";
  bool tls = false;
  std::string str() const;
};

// Accepts ws:// and wss:// (tls set); nullopt for anything else.
std::optional<ws_url> parse_ws_url(std::string_view text);

// scheme://user:secret@host... -> scheme://user:***@host..., for messages and logs
// (the last '@' ends the credentials); a URL without a password is returned as it is.
std::string without_password(std::string_view url);

}  // namespace throng
