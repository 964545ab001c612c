#include "throng/common/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "throng/common/random.hpp"

namespace throng::ws {

namespace {

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(std::max(0, written)));
  return out;
}

// The value of header `name` (case-insensitive) in an HTTP head, or empty.
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t line = head.find("\r\n");
  while (line != std::string_view::npos && line + 2 < head.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view text = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const std::size_t colon = text.find(':');
    if (colon == name.size() && std::equal(name.begin(), name.end(), text.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view value = text.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      return value;
    }
    line = end;
  }
  return {};
}

}  // namespace

std::string accept_key(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

std::string client_key(std::uint64_t& state) {
  unsigned char nonce[16];
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t r = mix(state += 0x9e3779b97f4a7c15ULL);
    std::memcpy(nonce + 8 * i, &r, 8);
  }
  return base64(nonce, sizeof nonce);
}

std::string upgrade_request(std::string_view host_port, std::string_view path, std::string_view key,
                            std::string_view user_agent) {
  std::string request;
  request.reserve(160 + host_port.size() + path.size() + user_agent.size());
  request.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_port);
  request.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
  request.append("\r\nSec-WebSocket-Version: 13\r\nUser-Agent: ").append(user_agent).append("\r\n\r\n");
  return request;
}

std::string upgrade_refusal(std::string_view head, std::string_view key) {
  if (head.rfind("HTTP/1.1 101", 0) != 0)
    return "the server answered '" + std::string(head.substr(0, head.find("\r\n"))) + "' instead of 101";
  if (header_value(head, "Sec-WebSocket-Accept") != accept_key(key)) return "wrong Sec-WebSocket-Accept";
  return {};
}

}  // namespace throng::ws
