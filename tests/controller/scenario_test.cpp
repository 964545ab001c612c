#include "throng/controller/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace throng::controller {
namespace {

bool has_error(const scenario_result& r, int line, int column, const std::string& path, const std::string& fragment) {
  for (const auto& e : r.errors)
    if (e.line == line && e.column == column && e.path == path && e.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string dump(const scenario_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  return out;
}

TEST(Scenario, ShippedSmokeScenarioIsValid) {
  const auto r = load_scenario_file(std::string(THRONG_SOURCE_DIR) + "/scenarios/smoke.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->name, "smoke");
  EXPECT_TRUE(r.value->spawn_server);
  EXPECT_EQ(r.value->users, 200u);
  EXPECT_EQ(r.value->duration_ns, 10'000'000'000);
  EXPECT_DOUBLE_EQ(r.value->rate_per_s, 400.0);
}

TEST(Scenario, EveryShippedScenarioIsValid) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(THRONG_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const auto r = load_scenario_file(entry.path().string());
    EXPECT_TRUE(r.value) << entry.path() << "\n" << dump(r);
  }
}

TEST(Scenario, HumanUnitsAreParsed) {
  const auto r = parse_scenario(R"(
target: {url: "ws://127.0.0.1:9000/ws", protocol: json, test_token_secret: s3cret}
duration: 1m30s
users: 10k
rooms: 50
rate: 12k/m
message_size: 1KiB
dup_factor: 3
)", "units.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->test_token_secret, "s3cret");
  EXPECT_EQ(r.value->duration_ns, 90'000'000'000);
  EXPECT_EQ(r.value->users, 10'000u);
  EXPECT_DOUBLE_EQ(r.value->rate_per_s, 200.0);
  EXPECT_EQ(r.value->message_bytes, 1024u);
  EXPECT_TRUE(r.value->json_protocol);
  EXPECT_EQ(r.value->target_url, "ws://127.0.0.1:9000/ws");
}

TEST(Scenario, AllErrorsAreCollectedWithLineColumnAndPath) {
  const auto r = parse_scenario(R"(name: broken
target:
  url: http://nope
  protocl: json
duration: 10
users: lots
rate: 5/week
dup_factor: 0
)", "broken.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_error(r, 3, 8, "target.url", "not a ws://")) << dump(r);
  EXPECT_TRUE(has_error(r, 4, 3, "target.protocl", "did you mean 'protocol'")) << dump(r);
  EXPECT_TRUE(has_error(r, 5, 11, "duration", "30s")) << dump(r);
  EXPECT_TRUE(has_error(r, 6, 8, "users", "count")) << dump(r);
  EXPECT_TRUE(has_error(r, 7, 7, "rate", "per second")) << dump(r);
  EXPECT_TRUE(has_error(r, 8, 13, "dup_factor", "1 to 10000")) << dump(r);
  EXPECT_GE(r.errors.size(), 6u);
  EXPECT_EQ(r.errors.front().str().rfind("broken.yaml:", 0), 0u);
}

TEST(Scenario, CountsTooLargeForTheirFieldAreErrorsNotWrapArounds) {
  const auto r = parse_scenario("target: {spawn: reference-server, server_threads: 0}\nduration: 1s\nusers: 10\n"
                                "rooms: 5B\nmessage_size: 5GiB\ndup_factor: 4294967297\n", "big.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_error(r, 4, 8, "rooms", "too large: at most 4294967295")) << dump(r);
  EXPECT_TRUE(has_error(r, 5, 15, "message_size", "too large")) << dump(r);
  EXPECT_TRUE(has_error(r, 6, 13, "dup_factor", "too large")) << dump(r);
  EXPECT_NE(dump(r).find("target.server_threads: must be from 1 to 256"), std::string::npos) << dump(r);
}

TEST(Scenario, MissingRequiredFieldsAreNamed) {
  const auto r = parse_scenario("name: empty\n", "empty.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  EXPECT_NE(text.find("target: is required"), std::string::npos) << text;
  EXPECT_NE(text.find("duration: is required"), std::string::npos) << text;
  EXPECT_NE(text.find("users: is required"), std::string::npos) << text;
}

TEST(Scenario, TargetNeedsExactlyOneOfUrlAndSpawn) {
  auto both = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws', spawn: reference-server}\nduration: 1s\nusers: 1\n", "t.yaml");
  EXPECT_NE(dump(both).find("either url or spawn"), std::string::npos) << dump(both);
  auto neither = parse_scenario("target: {protocol: json}\nduration: 1s\nusers: 1\n", "t.yaml");
  EXPECT_NE(dump(neither).find("needs url"), std::string::npos) << dump(neither);
  auto unknown_spawn = parse_scenario("target: {spawn: nginx}\nduration: 1s\nusers: 1\n", "t.yaml");
  EXPECT_NE(dump(unknown_spawn).find("expected reference-server"), std::string::npos);
}

TEST(Scenario, SyntaxErrorsPointAtTheSpot) {
  const auto r = parse_scenario("target: [unclosed\nusers: 1\n", "syntax.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_GE(r.errors[0].line, 1);
}

TEST(Scenario, UnreadableFileIsAClearError) {
  const auto r = load_scenario_file("/nonexistent/scenario.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos);
}

TEST(Scenario, AuthModesAreChecked) {
  // Without the secret in the environment, a url target must name it.
  const char* saved = std::getenv("THRONG_TEST_TOKEN_SECRET");
  const std::string saved_value = saved ? saved : "";
  unsetenv("THRONG_TEST_TOKEN_SECRET");
  const auto no_secret = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws'}\nduration: 1s\nusers: 1\n", "a.yaml");
  ASSERT_FALSE(no_secret.value);
  EXPECT_EQ(no_secret.errors[0].path, "target.test_token_secret");
  const auto readers = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws'}\nauth: anonymous\nduration: 1s\nusers: 1\n", "b.yaml");
  EXPECT_TRUE(readers.value) << dump(readers);
  const auto sending_readers =
      parse_scenario("target: {spawn: reference-server}\nauth: anonymous\nrate: 5/s\nduration: 1s\nusers: 1\n", "c.yaml");
  ASSERT_FALSE(sending_readers.value);
  EXPECT_NE(sending_readers.errors[0].message.find("only read"), std::string::npos);
  const auto bad_store = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws', store: memory, test_token_secret: x}\nduration: 1s\nusers: 1\n", "d.yaml");
  ASSERT_FALSE(bad_store.value);
  EXPECT_EQ(bad_store.errors[0].path, "target.store");
  setenv("THRONG_TEST_TOKEN_SECRET", "from-env", 1);
  const auto from_env = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws'}\nduration: 1s\nusers: 1\n", "e.yaml");
  ASSERT_TRUE(from_env.value) << dump(from_env);
  EXPECT_EQ(from_env.value->test_token_secret, "from-env");
  if (saved) setenv("THRONG_TEST_TOKEN_SECRET", saved_value.c_str(), 1);
  else unsetenv("THRONG_TEST_TOKEN_SECRET");
}

}  // namespace
}  // namespace throng::controller
