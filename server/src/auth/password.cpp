#include "password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace throng::server {
namespace {
// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
constexpr std::uint32_t time_cost = 2;
constexpr std::uint32_t memory_kib = 19 * 1024;
constexpr std::uint32_t lanes = 1;
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
}  // namespace

std::string hash_password(const std::string& password) {
  unsigned char salt[salt_bytes];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("the OS random generator failed");
  std::vector<char> encoded(argon2_encodedlen(time_cost, memory_kib, lanes, salt_bytes, hash_bytes, Argon2_id));
  const int rc = argon2id_hash_encoded(time_cost, memory_kib, lanes, password.data(), password.size(), salt, salt_bytes,
                                       hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id failed: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool password_matches(const std::string& encoded_hash, const std::string& password) {
  return argon2id_verify(encoded_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace throng::server
