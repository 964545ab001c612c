// The WebSocket opening handshake (RFC 6455 4): the accept key, and the
// client's request and its check of the server's answer.
#include "throng/common/ws_handshake.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace throng;

TEST(WsHandshake, AcceptKeyMatchesTheRfcExample) {
  // RFC 6455 1.3.
  EXPECT_EQ(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, ClientKeysAreSixteenBytesInBase64AndFreshEachTime) {
  std::uint64_t state = 1;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = ws::client_key(state);
    ASSERT_EQ(key.size(), 24u);  // 16 bytes: 22 characters and two pad signs
    EXPECT_EQ(key.substr(22), "==");
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(WsHandshake, RequestAsksForVersion13WithTheKey) {
  const std::string request = ws::upgrade_request("127.0.0.1:7000", "/ws", "dGhlIHNhbXBsZSBub25jZQ==", "tester");
  EXPECT_EQ(request.rfind("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:7000\r\n", 0), 0u);
  EXPECT_NE(request.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_EQ(request.substr(request.size() - 4), "\r\n\r\n");
}

TEST(WsHandshake, ASwitchWithTheRightAcceptIsTakenAndAnythingElseIsExplained) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  EXPECT_EQ(ws::upgrade_refusal("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n",
                                key),
            "");
  EXPECT_EQ(ws::upgrade_refusal("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n", key),
            "the server answered 'HTTP/1.1 403 Forbidden' instead of 101");
  EXPECT_EQ(ws::upgrade_refusal("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: AAAA\r\n", key),
            "wrong Sec-WebSocket-Accept");
  EXPECT_EQ(ws::upgrade_refusal("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", key),
            "wrong Sec-WebSocket-Accept");
}
