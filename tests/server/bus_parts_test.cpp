// The Redis bus's own parts: the RESP codec and the bus URL.
#include <gtest/gtest.h>

#include "bus/redis_bus.hpp"
#include "bus/resp.hpp"
#include "throng/common/url.hpp"

namespace throng::server {
namespace {

TEST(Resp, CommandsAreArraysOfBulkStrings) {
  std::string out;
  resp::append_command(out, {"XADD", "room:a", "1-0", "m", std::string("a\r\nb\0c", 6)});
  EXPECT_EQ(out, std::string("*5\r\n$4\r\nXADD\r\n$6\r\nroom:a\r\n$3\r\n1-0\r\n$1\r\nm\r\n$6\r\na\r\nb\0c\r\n", 54));
}

TEST(Resp, ParsesEveryReplyKind) {
  resp::value v;
  std::size_t used = 0;
  ASSERT_EQ(resp::parse("+OK\r\n", v, used), resp::parse_status::complete);
  EXPECT_EQ(v.type, resp::value::kind::simple);
  EXPECT_EQ(v.text, "OK");
  EXPECT_EQ(used, 5u);
  ASSERT_EQ(resp::parse("-NOSCRIPT No matching script\r\n", v, used), resp::parse_status::complete);
  EXPECT_TRUE(v.is_error());
  EXPECT_EQ(v.text, "NOSCRIPT No matching script");
  ASSERT_EQ(resp::parse(":-42\r\n", v, used), resp::parse_status::complete);
  EXPECT_EQ(v.integer, -42);
  ASSERT_EQ(resp::parse("$-1\r\n", v, used), resp::parse_status::complete);
  EXPECT_EQ(v.type, resp::value::kind::nil);
  ASSERT_EQ(resp::parse("*-1\r\n", v, used), resp::parse_status::complete);
  EXPECT_EQ(v.type, resp::value::kind::nil);
  // A bulk string may hold CRLF and NUL bytes: its length decides.
  const std::string bulk("$5\r\na\r\n\0b\r\n", 11);
  ASSERT_EQ(resp::parse(bulk, v, used), resp::parse_status::complete);
  EXPECT_EQ(v.text, std::string("a\r\n\0b", 5));
  EXPECT_EQ(used, bulk.size());
}

TEST(Resp, ParsesAnXreadReplyAndLeavesWhatFollows) {
  const std::string reply =
      "*1\r\n*2\r\n$12\r\nthrong:room:a\r\n*2\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\nm\r\n$2\r\nhi\r\n"
      "*2\r\n$3\r\n8-0\r\n*2\r\n$1\r\nm\r\n$0\r\n\r\n";
  // The key above is 13 bytes but says 12: malformed, not misread.
  resp::value v;
  std::size_t used = 0;
  EXPECT_EQ(resp::parse(reply, v, used), resp::parse_status::malformed);

  std::string fixed = reply;
  fixed.replace(fixed.find("$12"), 3, "$13");
  ASSERT_EQ(resp::parse(fixed + ":1\r\n", v, used), resp::parse_status::complete);
  EXPECT_EQ(used, fixed.size());
  ASSERT_EQ(v.elements.size(), 1u);
  const auto& entries = v.elements[0].elements[1].elements;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].elements[0].text, "7-0");
  EXPECT_EQ(entries[0].elements[1].elements[1].text, "hi");
  EXPECT_EQ(entries[1].elements[1].elements[1].text, "");
}

TEST(Resp, EveryTruncationIsIncompleteNeverMisread) {
  const std::string reply = "*3\r\n$3\r\nabc\r\n:12\r\n*1\r\n+x\r\n";
  for (std::size_t n = 0; n < reply.size(); ++n) {
    resp::value v;
    std::size_t used = 99;
    EXPECT_EQ(resp::parse(std::string_view(reply).substr(0, n), v, used), resp::parse_status::incomplete) << n;
    EXPECT_EQ(used, 0u);
  }
}

TEST(Resp, GarbageIsMalformed) {
  resp::value v;
  std::size_t used = 0;
  EXPECT_EQ(resp::parse("?what\r\n", v, used), resp::parse_status::malformed);
  EXPECT_EQ(resp::parse(":12x\r\n", v, used), resp::parse_status::malformed);
  EXPECT_EQ(resp::parse("$3\r\nabcd\r\n", v, used), resp::parse_status::malformed);
  EXPECT_EQ(resp::parse("*-2\r\n", v, used), resp::parse_status::malformed);
  EXPECT_EQ(resp::parse("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", v, used),
            resp::parse_status::malformed)
      << "nesting deeper than any reply the bus asks for";
}

TEST(RedisUrl, HostAndPortWithClearErrors) {
  auto o = parse_redis_url("redis://10.0.0.5:6380");
  EXPECT_EQ(o.host, "10.0.0.5");
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(parse_redis_url("redis://cache.internal").port, 6379);
  EXPECT_EQ(parse_redis_url("redis://cache.internal:7000/0").host, "cache.internal");
  auto secured = parse_redis_url("redis://:s3cret@cache:6380");
  EXPECT_EQ(secured.password, "s3cret");
  EXPECT_EQ(secured.username, "");
  EXPECT_EQ(secured.host, "cache");
  EXPECT_EQ(auth_command(secured), (std::vector<std::string>{"AUTH", "s3cret"}));
  auto acl = parse_redis_url("redis://throng:p@ss@cache");
  EXPECT_EQ(acl.username, "throng");
  EXPECT_EQ(acl.password, "p@ss") << "the last @ ends the credentials";
  EXPECT_EQ(auth_command(acl), (std::vector<std::string>{"AUTH", "throng", "p@ss"}));
  EXPECT_TRUE(auth_command(o).empty());
  EXPECT_EQ(without_password("redis://throng:p@ss@cache:1"), "redis://throng:***@cache:1");
  EXPECT_EQ(without_password("postgres://throng:s3cret@db:5432/chat"), "postgres://throng:***@db:5432/chat");
  EXPECT_EQ(without_password("redis://cache:1"), "redis://cache:1");
  EXPECT_EQ(without_password("postgres://throng@db/chat"), "postgres://throng@db/chat");
  EXPECT_THROW(parse_redis_url("redis://justuser@cache"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("http://x:1"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://:6379"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://x:0"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://x:99999"), std::runtime_error);
}

}  // namespace
}  // namespace throng::server
