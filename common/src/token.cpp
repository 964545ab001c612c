#include "throng/common/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace throng {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// One HMAC context per thread, keyed once per secret: fetching the
// algorithm and setting the key on every call (what one-shot HMAC() does)
// was most of the cost of checking a token at connect time.
class hmac_context {
 public:
  hmac_context() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(mac_ ? EVP_MAC_CTX_new(mac_) : nullptr) {}
  ~hmac_context() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
    OPENSSL_cleanse(key_.data(), key_.size());
  }
  hmac_context(const hmac_context&) = delete;
  hmac_context& operator=(const hmac_context&) = delete;

  std::string sha256(std::string_view key, std::string_view data) {
    if (!ctx_) throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
    const bool rekey = !keyed_ || key != key_;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    // A null key re-initialises with the key already set.
    if (!EVP_MAC_init(ctx_, rekey ? reinterpret_cast<const unsigned char*>(key.data()) : nullptr, rekey ? key.size() : 0,
                      rekey ? params : nullptr))
      throw std::runtime_error("HMAC-SHA256 failed");
    if (rekey) {
      OPENSSL_cleanse(key_.data(), key_.size());
      key_.assign(key);
      keyed_ = true;
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (!EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ||
        !EVP_MAC_final(ctx_, out, &len, sizeof out))
      throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(out), len);
  }

 private:
  EVP_MAC* mac_;
  EVP_MAC_CTX* ctx_;
  std::string key_;
  bool keyed_ = false;
};

std::string hmac_sha256(std::string_view key, std::string_view data) {
  thread_local hmac_context context;
  return context.sha256(key, data);
}

// {"alg":"HS256","typ":"JWT"}
const std::string& header_part() {
  static const std::string h = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  return h;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a dangling 6-bit group is not valid base64
  return out;
}

std::string issue_token(const std::string& user, std::int64_t ttl_s, const std::string& secret, std::int64_t now_s) {
  const nlohmann::json claims = {{"sub", user}, {"iat", now_s}, {"exp", now_s + ttl_s}};
  std::string token = header_part() + "." + base64url_encode(claims.dump());
  const std::string signature = hmac_sha256(secret, token);
  token += "." + base64url_encode(signature);
  return token;
}

token_status verify_token(const std::string& token, const std::string& secret, std::int64_t now_s,
                          token_claims* claims) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) return token_status::malformed;
  const std::string_view signed_part(token.data(), second);
  const auto signature = base64url_decode(std::string_view(token).substr(second + 1));
  if (!signature) return token_status::malformed;
  // Only HS256 is accepted: the header must be exactly ours ("alg": "none" and friends are refused).
  if (std::string_view(token).substr(0, first) != header_part()) {
    const auto header = base64url_decode(std::string_view(token).substr(0, first));
    if (!header) return token_status::malformed;
    const auto parsed = nlohmann::json::parse(*header, nullptr, false);
    // Field types are checked first: value() would throw on {"alg": 2}.
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("alg") || !parsed["alg"].is_string() ||
        parsed["alg"].get<std::string>() != "HS256")
      return token_status::malformed;
  }
  const std::string expected = hmac_sha256(secret, signed_part);
  if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return token_status::bad_signature;
  const auto payload = base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return token_status::malformed;
  const auto json = nlohmann::json::parse(*payload, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("sub") || !json["sub"].is_string() ||
      !json.contains("exp") || !json["exp"].is_number_integer())
    return token_status::malformed;
  const auto exp = json["exp"].get<std::int64_t>();
  if (exp <= now_s) return token_status::expired;
  if (claims) {
    claims->user = json["sub"].get<std::string>();
    claims->expires_s = exp;
  }
  return token_status::valid;
}

std::string random_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("the OS random generator failed");
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace throng
