#pragma once
// Password hashing with argon2id (libargon2), in the PHC string format so the
// parameters travel with each hash.

#include <string>

namespace throng::server {

// Slow on purpose (tens of milliseconds): never call on a shard thread.
std::string hash_password(const std::string& password);
bool password_matches(const std::string& encoded_hash, const std::string& password);

}  // namespace throng::server
