#pragma once
// The HTTP auth API: POST /api/register and POST /api/login with JSON bodies,
// answering {"user", "token", "expires_at"}. Password hashing runs on the
// API's own threads, never on a shard. Failed logins are limited per client
// address (HTTP 429 with Retry-After).

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../rate_limiter.hpp"
#include "throng/common/net.hpp"

namespace throng::server {

struct server_core;

class auth_api {
 public:
  explicit auth_api(server_core& core);
  ~auth_api();

  static bool handles(const http_request& req) { return req.target().starts_with("/api/"); }
  // Call on a shard; resumes there with the response.
  net::awaitable<http_response> handle(http_request req, tcp::endpoint peer);

 private:
  http_response answer(const http_request& req, const std::string& peer_address);
  http_response register_user(const http_request& req, const std::string& name, const std::string& password);
  http_response login(const http_request& req, const std::string& name, const std::string& password,
                      const std::string& peer_address);

  server_core& core_;
  net::thread_pool pool_{2};
  std::mutex failures_mutex_;
  std::unordered_map<std::string, token_bucket> failures_;  // per client address
};

}  // namespace throng::server
