// The server's parts on their own: transform styles, the token bucket and
// the YAML config.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rate_limiter.hpp"
#include "throng/server/server.hpp"
#include "transform.hpp"

namespace throng::server {
namespace {

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

TEST(Transform, StylesAreParsedByName) {
  for (const char* name : {"none", "bestie", "pirate", "shout"}) {
    const auto style = parse_transform_style(name);
    ASSERT_TRUE(style) << name;
    EXPECT_EQ(transform_style_name(*style), name);
  }
  EXPECT_FALSE(parse_transform_style("skibidi"));
}

TEST(Transform, DeterministicPerMessageAndSeed) {
  for (auto style : {transform_style::bestie, transform_style::pirate}) {
    std::set<std::string> endings;
    for (int i = 0; i < 20; ++i) {
      const std::string body = "message number " + std::to_string(i);
      const auto a = apply_transform(style, body, 7);
      EXPECT_EQ(a, apply_transform(style, body, 7));
      endings.insert(a.substr(a.size() - 6));
    }
    EXPECT_GT(endings.size(), 1u) << "the ending varies with the message";
  }
  EXPECT_EQ(apply_transform(transform_style::none, "as is", 1), "as is");
}

TEST(Transform, RewritesWordsNotPartsOfWords) {
  EXPECT_EQ(apply_transform(transform_style::pirate, "Hello, is this yours? my friends", 0).rfind("ahoy, be this yours? me hearties", 0), 0u);
  EXPECT_EQ(apply_transform(transform_style::pirate, "history island", 0).rfind("history island", 0), 0u);
  EXPECT_EQ(apply_transform(transform_style::shout, "abc xyz", 0), "ABC XYZ!!");
  EXPECT_EQ(apply_transform(transform_style::bestie, "hi", 0).rfind("Hey bestie! \xE2\x9C\xA8 hi ", 0), 0u);
}

TEST(Transform, KeepsUtf8Intact) {
  const std::string bodies[] = {"caf\xC3\xA9 h\xC3\xA9llo you", "\xF0\x9F\x98\x80 my friend \xF0\x9F\x98\x80",
                                "\xE4\xBD\xA0\xE5\xA5\xBD is yes", std::string("ends mid") + "\xC3"};
  for (const auto& body : bodies) {
    for (auto style : {transform_style::bestie, transform_style::pirate, transform_style::shout}) {
      const auto out = apply_transform(style, body, 3);
      if (valid_utf8(body)) {
        EXPECT_TRUE(valid_utf8(out)) << out;
      }
      // Every non-ASCII byte of the input survives in order.
      std::string in_high, out_high;
      for (char c : body) if (static_cast<unsigned char>(c) >= 0x80) in_high += c;
      for (char c : out) if (static_cast<unsigned char>(c) >= 0x80) out_high += c;
      EXPECT_NE(out_high.find(in_high), std::string::npos);
    }
  }
}

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  token_bucket bucket(2.0, 3.0, 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(0));
  EXPECT_NEAR(bucket.seconds_until_next(0), 0.5, 1e-9);
  EXPECT_FALSE(bucket.try_take(400'000'000));
  EXPECT_TRUE(bucket.try_take(500'000'000));
  EXPECT_TRUE(bucket.try_take(10'000'000'000));  // refills, capped at the burst
  EXPECT_TRUE(bucket.try_take(10'000'000'000));
  EXPECT_TRUE(bucket.try_take(10'000'000'000));
  EXPECT_FALSE(bucket.try_take(10'000'000'000));
  token_bucket unlimited;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.try_take(0));
}

class ConfigFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() / ("throng-server-config-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, ReadsRoomsAndDefaults) {
  server_config config;
  load_server_config_file(write("history: 25\ndynamic_rooms: false\nsend_rate_per_user: 5\nrooms:\n"
                                "  - {name: general}\n  - {name: pirates, transform: pirate, history: 50}\n"),
                          config);
  EXPECT_EQ(config.history_depth, 25u);
  EXPECT_FALSE(config.dynamic_rooms);
  EXPECT_EQ(config.send_rate_per_user, 5);
  ASSERT_EQ(config.rooms.size(), 2u);
  EXPECT_EQ(config.rooms[1].transform, "pirate");
  EXPECT_EQ(config.rooms[1].history_depth, 50u);
}

TEST_F(ConfigFile, ErrorsNameTheLineAndWhatIsExpected) {
  const auto expect_error = [&](const std::string& text, const std::string& fragment) {
    server_config config;
    try {
      load_server_config_file(write(text), config);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error("rooms:\n  - {name: ok}\n  - {name: 'bad name!'}\n", ":3:");
  expect_error("rooms:\n  - {name: ok, transform: skibidi}\n", "none, bestie, pirate, shout");
  expect_error("historyy: 3\n", "unknown key 'historyy'");
  expect_error("rooms:\n  - {name: twice}\n  - {name: twice}\n", "listed twice");
  expect_error("history: lots\n", "expected a message count");
  expect_error("history: -5\n", "expected a message count");
  expect_error("presence_interval: -1\n", "not a negative number");
}

}  // namespace
}  // namespace throng::server
