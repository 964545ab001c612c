#include "throng/common/token.hpp"

#include <gtest/gtest.h>

namespace throng {
namespace {

TEST(Token, RoundTripsItsClaims) {
  const auto token = issue_token("alice", 60, "secret", 1000);
  token_claims claims;
  ASSERT_EQ(verify_token(token, "secret", 1000, &claims), token_status::valid);
  EXPECT_EQ(claims.user, "alice");
  EXPECT_EQ(claims.expires_s, 1060);
}

TEST(Token, MatchesAnIndependentHs256Implementation) {
  // Computed with Python's hmac/hashlib/base64 over the same header and claims:
  // the token is a standard JWT that any HS256 library accepts.
  EXPECT_EQ(issue_token("alice", 60, "secret", 1000),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEwNjAsImlhdCI6MTAwMCwic3ViIjoiYWxpY2UifQ."
            "yKSTM_ykCMVA9P-2LNuwCWEsA5I5BSDGFHEjxs1CfPE");
}

TEST(Token, RefusesTamperingExpiryAndOtherAlgorithms) {
  const auto token = issue_token("alice", 60, "secret", 1000);
  EXPECT_EQ(verify_token(token, "other", 1000), token_status::bad_signature);
  EXPECT_EQ(verify_token(token, "secret", 1060), token_status::expired);
  auto tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_NE(verify_token(tampered, "secret", 1000), token_status::valid);
  const auto none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                    base64url_encode(R"({"sub":"root","exp":99999999999})") + ".";
  EXPECT_EQ(verify_token(none, "secret", 1000), token_status::malformed);
  EXPECT_EQ(verify_token("", "secret", 1000), token_status::malformed);
  EXPECT_EQ(verify_token("a.b", "secret", 1000), token_status::malformed);
  EXPECT_EQ(verify_token("a.b.c.d", "secret", 1000), token_status::malformed);
}

// The server checks tokens against its secret and the test secret in turn,
// on one thread: each check must use its own key, however they alternate.
TEST(Token, SecretsThatAlternateOnOneThreadEachSignWithTheirOwnKey) {
  const auto expected = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEwNjAsImlhdCI6MTAwMCwic3ViIjoiYWxpY2UifQ."
                        "yKSTM_ykCMVA9P-2LNuwCWEsA5I5BSDGFHEjxs1CfPE";
  for (int round = 0; round < 3; ++round) {
    const auto a = issue_token("alice", 60, "secret", 1000);
    const auto b = issue_token("alice", 60, "another secret", 1000);
    const auto empty = issue_token("alice", 60, "", 1000);
    EXPECT_EQ(a, expected);
    EXPECT_NE(a, b);
    EXPECT_NE(a, empty);
    EXPECT_EQ(verify_token(a, "secret", 1000), token_status::valid);
    EXPECT_EQ(verify_token(a, "another secret", 1000), token_status::bad_signature);
    EXPECT_EQ(verify_token(b, "another secret", 1000), token_status::valid);
    EXPECT_EQ(verify_token(b, "secret", 1000), token_status::bad_signature);
    EXPECT_EQ(verify_token(empty, "", 1000), token_status::valid);
    EXPECT_EQ(verify_token(empty, "secret", 1000), token_status::bad_signature);
  }
}

TEST(Token, Base64UrlRoundTrips) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00\x01"}) {
    const auto decoded = base64url_decode(base64url_encode(s));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("ab=c"));
  EXPECT_NE(random_secret(), random_secret());
}

}  // namespace
}  // namespace throng

namespace throng {
namespace {

TEST(Token, HeaderFieldsOfTheWrongTypeAreMalformedNotACrash) {
  // Found by the fuzzer: {"alg": 2} made the header check throw.
  for (const char* header : {R"({"alg":2})", R"({"alg":null})", R"({"alg":["HS256"]})", R"({"typ":"JWT"})"}) {
    const std::string token = base64url_encode(header) + "." + base64url_encode(R"({"sub":"u","exp":10})") + ".c2ln";
    EXPECT_EQ(verify_token(token, "secret", 1), token_status::malformed) << header;
  }
  EXPECT_EQ(verify_token("eyJhbGciOjJ9.`yJzdiJ1IiwiZXhwIjoxMH0.c2ln", "secret", 1), token_status::malformed);
}

}  // namespace
}  // namespace throng
