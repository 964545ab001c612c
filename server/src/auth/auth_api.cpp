#include "auth_api.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../shard.hpp"
#include "password.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/token.hpp"

namespace throng::server {
namespace {

http_response json_response(const http_request& req, http::status status, const nlohmann::json& body) {
  return text_response(req, status, body.dump() + "\n", "application/json");
}

http_response error_response(const http_request& req, http::status status, const std::string& message) {
  return json_response(req, status, {{"error", message}});
}

bool valid_user_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 32) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

auth_api::auth_api(server_core& core) : core_(core) {}

auth_api::~auth_api() { pool_.join(); }

net::awaitable<http_response> auth_api::handle(http_request req, tcp::endpoint peer) {
  auto shard_executor = co_await net::this_coro::executor;
  co_await net::post(pool_, net::use_awaitable);
  http_response res = answer(req, peer.address().to_string());
  co_await net::post(shard_executor, net::use_awaitable);
  co_return res;
}

http_response auth_api::answer(const http_request& req, const std::string& peer_address) {
  const auto target = req.target();
  const bool is_register = target == "/api/register";
  if (!is_register && target != "/api/login")
    return error_response(req, http::status::not_found, "the auth API has POST /api/register and POST /api/login");
  if (req.method() != http::verb::post)
    return error_response(req, http::status::method_not_allowed, "use POST with a JSON body {\"user\", \"password\"}");
  const auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string())
    return error_response(req, http::status::bad_request,
                          "the body must be JSON like {\"user\": \"alice\", \"password\": \"at least 8 characters\"}");
  const auto name = body["user"].get<std::string>();
  const auto password = body["password"].get<std::string>();
  try {
    return is_register ? register_user(req, name, password) : login(req, name, password, peer_address);
  } catch (const std::exception& e) {
    log_error("auth API: {}", e.what());
    return error_response(req, http::status::service_unavailable, "the user store is unavailable; retry later");
  }
}

http_response auth_api::register_user(const http_request& req, const std::string& name, const std::string& password) {
  if (!valid_user_name(name))
    return error_response(req, http::status::bad_request, "user names are 3-32 characters of A-Z a-z 0-9 _ - .");
  if (password.size() < 8 || password.size() > 256)
    return error_response(req, http::status::bad_request, "passwords are 8 to 256 characters");
  if (!core_.store->create_user(name, hash_password(password)))
    return error_response(req, http::status::conflict, fmt::format("the user name '{}' is taken; log in or pick another", name));
  const auto now_s = wall_ns() / 1'000'000'000;
  return json_response(req, http::status::created,
                       {{"user", name},
                        {"token", issue_token(name, core_.config.token_ttl_s, core_.token_secret, now_s)},
                        {"expires_at", now_s + core_.config.token_ttl_s}});
}

http_response auth_api::login(const http_request& req, const std::string& name, const std::string& password,
                              const std::string& peer_address) {
  const auto limit = core_.config.login_failures_per_minute;
  token_bucket* bucket = nullptr;
  if (limit) {
    std::lock_guard lock(failures_mutex_);
    auto [it, created] = failures_.try_emplace(peer_address, limit / 60.0, static_cast<double>(limit), mono_ns());
    bucket = &it->second;
    if (const double wait = bucket->seconds_until_next(mono_ns()); wait > 0) {
      auto res = error_response(req, http::status::too_many_requests,
                                fmt::format("too many failed logins from {}; retry in {:.0f}s", peer_address, std::ceil(wait)));
      res.set(http::field::retry_after, std::to_string(static_cast<long>(std::ceil(wait))));
      return res;
    }
  }
  const auto hash = core_.store->password_hash(name);
  // Verify against a fixed hash for unknown users too, so timing does not tell which names exist.
  static const std::string unknown_user_hash = hash_password("throng-unknown-user");
  const bool ok = password_matches(hash ? *hash : unknown_user_hash, password) && hash;
  if (!ok) {
    if (bucket) {
      std::lock_guard lock(failures_mutex_);
      bucket->try_take(mono_ns());
    }
    return error_response(req, http::status::unauthorized, "wrong user name or password");
  }
  const auto now_s = wall_ns() / 1'000'000'000;
  return json_response(req, http::status::ok,
                       {{"user", name},
                        {"token", issue_token(name, core_.config.token_ttl_s, core_.token_secret, now_s)},
                        {"expires_at", now_s + core_.config.token_ttl_s}});
}

}  // namespace throng::server
