#pragma once
// JWT (HS256) tokens: issued by the auth API for registered users, or minted
// by load agents with the shared test secret for synthetic users.

#include <cstdint>
#include <optional>
#include <string>

namespace throng {

enum class token_status { valid, malformed, bad_signature, expired };

struct token_claims {
  std::string user;          // "sub"
  std::int64_t expires_s = 0;  // "exp", Unix seconds
};

// Signs {"sub": user, "iat": now, "exp": now + ttl_s} with HMAC-SHA256.
std::string issue_token(const std::string& user, std::int64_t ttl_s, const std::string& secret, std::int64_t now_s);

// Checks the signature against `secret` and the expiry against `now_s`.
token_status verify_token(const std::string& token, const std::string& secret, std::int64_t now_s,
                          token_claims* claims = nullptr);

// A random secret, base64url of 32 bytes from the OS generator.
std::string random_secret();

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace throng
