#include "throng/controller/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace throng::controller {
namespace {

bool has_error(const scenario_result& r, int line, int column, const std::string& path, const std::string& fragment) {
  for (const auto& e : r.errors)
    if (e.line == line && e.column == column && e.path == path && e.message.find(fragment) != std::string::npos) return true;
  return false;
}

// Every fragment must appear in the errors; the failure lists the missing ones.
void expect_messages(const std::string& text, std::initializer_list<const char*> fragments) {
  for (const char* f : fragments) EXPECT_NE(text.find(f), std::string::npos) << "missing: " << f << "\nin:\n" << text;
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
  ASSERT_EQ(r.value->groups.size(), 1u);
  const auto& g = r.value->groups[0];
  EXPECT_EQ(g.tag(), "chat/default");
  EXPECT_EQ(g.users, 200u);
  EXPECT_EQ(g.duration_ns, 10'000'000'000);
  EXPECT_EQ(g.does.send_model, control::SEND_FIXED_RATE);
  EXPECT_DOUBLE_EQ(g.does.sends_per_user_per_s, 2.0);  // 400/s over 200 users
  EXPECT_DOUBLE_EQ(r.value->planned_send_rate(), 400.0);
  EXPECT_EQ(r.value->thresholds.size(), 3u);
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
connect_attempts: 12
)", "units.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  EXPECT_EQ(r.value->test_token_secret, "s3cret");
  const auto& g = r.value->groups.at(0);
  EXPECT_EQ(g.duration_ns, 90'000'000'000);
  EXPECT_EQ(g.users, 10'000u);
  EXPECT_DOUBLE_EQ(r.value->planned_send_rate(), 200.0);
  EXPECT_EQ(g.does.message_size.kind(), control::Distribution::CONSTANT);
  EXPECT_DOUBLE_EQ(g.does.message_size.a(), 1024);
  EXPECT_EQ(g.does.dup_factor, 3u);
  EXPECT_EQ(g.does.connect_attempts, 12u);
  EXPECT_TRUE(r.value->json_protocol);
  EXPECT_EQ(r.value->target_urls, std::vector<std::string>{"ws://127.0.0.1:9000/ws"});
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
connect_attempts: 0
)", "broken.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_error(r, 3, 8, "target.url", "not a ws://")) << dump(r);
  EXPECT_TRUE(has_error(r, 4, 3, "target.protocl", "did you mean 'protocol'")) << dump(r);
  EXPECT_TRUE(has_error(r, 5, 11, "duration", "30s")) << dump(r);
  EXPECT_TRUE(has_error(r, 6, 8, "users", "count")) << dump(r);
  EXPECT_TRUE(has_error(r, 7, 7, "rate", "per second")) << dump(r);
  EXPECT_TRUE(has_error(r, 8, 13, "dup_factor", "1 to 10000")) << dump(r);
  EXPECT_TRUE(has_error(r, 9, 19, "connect_attempts", "1 to 1000")) << dump(r);
  EXPECT_GE(r.errors.size(), 7u);
  EXPECT_EQ(r.errors.front().str().rfind("broken.yaml:", 0), 0u);
}

TEST(Scenario, AnUnreadableValueIsReportedOnceWithoutFollowOnErrors) {
  // A value that does not parse stays zero; "must be longer than zero" would blame the user twice.
  const auto count = [](const scenario_result& r, const std::string& path) {
    return std::count_if(r.errors.begin(), r.errors.end(), [&](const validation_error& e) { return e.path == path; });
  };
  const auto constant = parse_scenario("target: {spawn: reference-server}\nduration: 10 parsecs\nusers: 10\n", "c.yaml");
  EXPECT_EQ(count(constant, "duration"), 1) << dump(constant);
  const auto arrivals = parse_scenario(
      "target: {spawn: reference-server}\nexecutor: constant-arrival-rate\narrival_rate: fast\nduration: 0s\n", "a.yaml");
  EXPECT_EQ(count(arrivals, "arrival_rate"), 1) << dump(arrivals);
  EXPECT_TRUE(has_error(arrivals, 4, 11, "duration", "must be longer than zero")) << dump(arrivals);
  const auto ramp = parse_scenario(
      "target: {spawn: reference-server}\nexecutor: ramping-users\nstages: [{duration: soon, target: 10}]\n", "r.yaml");
  EXPECT_EQ(count(ramp, "stages"), 0) << dump(ramp);
  EXPECT_EQ(count(ramp, "stages[0].duration"), 1) << dump(ramp);
  // A zero that was read is still an error.
  const auto zero = parse_scenario("target: {spawn: reference-server}\nduration: 0s\nusers: 10\n", "z.yaml");
  EXPECT_TRUE(has_error(zero, 2, 11, "duration", "must be longer than zero")) << dump(zero);
}

TEST(Scenario, CountsTooLargeForTheirFieldAreErrorsNotWrapArounds) {
  const auto r = parse_scenario("target: {spawn: reference-server, server_threads: 0}\nduration: 1s\nusers: 10\n"
                                "rooms: 5B\nmessage_size: 5GiB\ndup_factor: 4294967297\n", "big.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_error(r, 4, 8, "rooms", "too large: at most 4294967295")) << dump(r);
  EXPECT_TRUE(has_error(r, 5, 15, "message_size", "at most 16MiB")) << dump(r);
  EXPECT_TRUE(has_error(r, 6, 13, "dup_factor", "too large")) << dump(r);
  EXPECT_NE(dump(r).find("target.server_threads: must be from 1 to 256"), std::string::npos) << dump(r);
}

TEST(Scenario, MissingRequiredFieldsAreNamed) {
  const auto r = parse_scenario("name: empty\n", "empty.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  expect_messages(text, {"target: is required",
                         "duration: is required",
                         "users: is required"});
}

TEST(Scenario, TargetNeedsExactlyOneOfUrlAndSpawn) {
  auto both = parse_scenario("target: {url: 'ws://127.0.0.1:1/ws', spawn: reference-server}\nduration: 1s\nusers: 1\n", "t.yaml");
  EXPECT_NE(dump(both).find("either url/urls or spawn"), std::string::npos) << dump(both);
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

namespace throng::controller {
namespace {

const user_group* find_group(const scenario& s, const std::string& tag) {
  for (const auto& g : s.groups)
    if (g.tag() == tag) return &g;
  return nullptr;
}

TEST(ScenarioExecutors, NamedScenariosWithEveryExecutor) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
scenarios:
  steady:
    executor: constant-users
    users: 100
    duration: 1m
    rate: 50/s
  ramp:
    executor: ramping-users
    stages: [{duration: 30s, target: 40}, {duration: 1m, target: 40}, {duration: 10s, target: 0}]
    think_time: exp:20s
    start_time: 5s
    graceful_stop: 3s
  arrivals:
    executor: constant-arrival-rate
    arrival_rate: 10/s
    duration: 2m
    session_duration: exp:30s
    rate_per_user: 6/m
  wave:
    executor: ramping-arrival-rate
    start_rate: 2/s
    stages: [{duration: 1m, target: 20/s}]
    session_duration: uniform:10s..20s
    send_model: group
    rate: 30/s
)", "executors.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& s = *r.value;
  ASSERT_EQ(s.groups.size(), 4u);
  const auto* steady = find_group(s, "steady/default");
  ASSERT_TRUE(steady);
  EXPECT_DOUBLE_EQ(steady->does.sends_per_user_per_s, 0.5);
  EXPECT_TRUE(steady->stages.empty());
  const auto* ramp = find_group(s, "ramp/default");
  ASSERT_TRUE(ramp);
  EXPECT_EQ(ramp->users, 40u);  // the peak
  EXPECT_EQ(ramp->duration_ns, 100'000'000'000);
  EXPECT_EQ(ramp->start_ns, 5'000'000'000);
  EXPECT_EQ(ramp->graceful_stop_ns, 3'000'000'000);
  EXPECT_EQ(ramp->does.send_model, control::SEND_THINK_TIME);
  EXPECT_EQ(ramp->does.think_time.kind(), control::Distribution::EXPONENTIAL);
  const auto* arrivals = find_group(s, "arrivals/default");
  ASSERT_TRUE(arrivals);
  EXPECT_TRUE(arrivals->open_model());
  ASSERT_EQ(arrivals->stages.size(), 2u);  // a flat rate: a step, then held
  EXPECT_DOUBLE_EQ(arrivals->stages[1].target, 10);
  EXPECT_DOUBLE_EQ(arrivals->does.sends_per_user_per_s, 0.1);
  const auto* wave = find_group(s, "wave/default");
  ASSERT_TRUE(wave);
  ASSERT_EQ(wave->stages.size(), 2u);
  EXPECT_DOUBLE_EQ(wave->stages[0].target, 2);
  EXPECT_EQ(wave->does.send_model, control::SEND_GROUP_RATE);
  EXPECT_DOUBLE_EQ(wave->does.sends_per_user_per_s, 30);
  EXPECT_EQ(s.end_ns(), 120'000'000'000);
  EXPECT_EQ(s.drain_ns(), 3'000'000'000);
}

TEST(ScenarioGroups, WeightsSplitUsersExactlyAndGroupsOverrideFields) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
scenarios:
  chat:
    users: 1000
    duration: 10s
    rooms: 7
    rate: 300/s
    groups:
      talkers: {weight: 1}
      lurkers: {weight: 2, send_model: none, auth: anonymous}
      bots: {weight: 0.5, rate_per_user: 1/s, message_size: uniform:100B..1KiB, zipf: 1.2}
)", "groups.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& s = *r.value;
  ASSERT_EQ(s.groups.size(), 3u);
  EXPECT_EQ(s.total_users(), 1000u);  // exact shares, no rounding loss
  const auto* talkers = find_group(s, "chat/talkers");
  const auto* lurkers = find_group(s, "chat/lurkers");
  const auto* bots = find_group(s, "chat/bots");
  ASSERT_TRUE(talkers && lurkers && bots);
  EXPECT_EQ(talkers->users, 285u);
  EXPECT_EQ(lurkers->users, 572u);
  EXPECT_EQ(bots->users, 143u);
  // The scenario's total rate is shared like its users: talkers get 1/3.5 of 300/s.
  EXPECT_NEAR(talkers->planned_send_rate(), 300.0 / 3.5, 1e-9);
  EXPECT_EQ(lurkers->does.send_model, control::SEND_NONE);
  EXPECT_EQ(lurkers->does.auth, control::AUTH_ANONYMOUS);
  EXPECT_EQ(lurkers->does.rooms, 7u);  // inherited
  EXPECT_DOUBLE_EQ(bots->does.sends_per_user_per_s, 1);
  EXPECT_EQ(bots->does.room_choice, control::ROOMS_ZIPF);
  EXPECT_EQ(bots->does.message_size.kind(), control::Distribution::UNIFORM);
  EXPECT_DOUBLE_EQ(bots->does.message_size.b(), 1024);
}

TEST(ScenarioGroups, CountsMustAddUpAndNotMixWithWeights) {
  const auto counted = parse_scenario(R"(
target: {spawn: reference-server}
users: 30
duration: 5s
groups:
  a: {users: 10}
  b: {users: 15}
)", "counts.yaml");
  EXPECT_FALSE(counted.value);
  EXPECT_NE(dump(counted).find("groups' users add up to 25"), std::string::npos) << dump(counted);
  const auto mixed = parse_scenario(R"(
target: {spawn: reference-server}
users: 30
duration: 5s
groups:
  a: {users: 10}
  b: {weight: 2}
)", "mixed.yaml");
  EXPECT_FALSE(mixed.value);
  EXPECT_NE(dump(mixed).find("not a mix"), std::string::npos) << dump(mixed);
}

TEST(ScenarioGroups, RampingStagesAreSplitExactlyPerStage) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
stages: [{duration: 10s, target: 101}, {duration: 10s, target: 7}]
groups: {a: {weight: 1}, b: {weight: 1}}
)", "ramp.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& a = r.value->groups[0];
  const auto& b = r.value->groups[1];
  EXPECT_EQ(a.executor, executor_kind::ramping_users);
  EXPECT_DOUBLE_EQ(a.stages[0].target + b.stages[0].target, 101);
  EXPECT_DOUBLE_EQ(a.stages[1].target + b.stages[1].target, 7);
  EXPECT_EQ(a.users + b.users, 101u);
}

TEST(ScenarioErrors, ExecutorMistakesAreExplained) {
  const auto r = parse_scenario(R"(target: {spawn: reference-server}
scenarios:
  a:
    executor: constant-arivals
  b:
    executor: ramping-users
    users: 10
    stages: [{duration: 5s, targt: 3}]
  c:
    executor: constant-arrival-rate
    arrival_rate: 5/s
    duration: 10s
    rate: 10/s
  d:
    users: 5
    duration: 10s
    start_time: 1500ms
    think_time: gamma:3s
    send_model: closed-loop
    rooms_per_user: 3
    room_choice: uniform
)", "bad.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  EXPECT_TRUE(has_error(r, 4, 15, "scenarios.a.executor", "expected constant-users, ramping-users")) << text;
  EXPECT_TRUE(has_error(r, 7, 12, "scenarios.b.users", "stages' targets give the user counts")) << text;
  EXPECT_TRUE(has_error(r, 8, 29, "scenarios.b.stages[0].targt", "did you mean 'target'")) << text;
  expect_messages(text, {"scenarios.b.stages[0].target: is required",
                         "scenarios.c.send_model: users come and go",
                         "scenarios.c.session_duration: is required by arrival-rate executors"});
  EXPECT_TRUE(has_error(r, 17, 17, "scenarios.d.start_time", "whole seconds")) << text;
  EXPECT_TRUE(has_error(r, 18, 17, "scenarios.d.think_time", "unknown distribution 'gamma'")) << text;
  EXPECT_NE(text.find("scenarios.d.rooms_per_user: is more than rooms (1)"), std::string::npos) << text;
}

TEST(ScenarioErrors, AnUnreadableCountIsOneErrorNotThree) {
  const auto r = parse_scenario(R"(target: {spawn: reference-server}
scenarios:
  chat: {users: -5, duration: 10s}
)", "count.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  EXPECT_TRUE(has_error(r, 3, 17, "scenarios.chat.users", "'-5' is not valid: expected a count such as 200 or 10k")) << text;
  EXPECT_EQ(r.errors.size(), 1u) << text;  // not also "must be at least 1" and "this group gets no users"
}

TEST(ScenarioEvents, BurstStormAndPauseParse) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
scenarios:
  chat: {users: 10, duration: 30s, rate: 10/s}
  other: {users: 10, duration: 30s}
events:
  - {at: 5s, burst: {multiplier: 3, duration: 2s}, scenarios: [chat]}
  - {at: 10s, reconnect_storm: {fraction: 0.25, window: 2s, backoff: 50ms..2s}}
  - {at: 20s, pause: 3s}
)", "events.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& e = r.value->events;
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].what, timeline_event::kind::burst);
  EXPECT_DOUBLE_EQ(e[0].multiplier, 3);
  EXPECT_EQ(e[0].length_ns, 2'000'000'000);
  EXPECT_EQ(e[0].scenarios, std::vector<std::string>{"chat"});
  EXPECT_EQ(e[1].what, timeline_event::kind::reconnect_storm);
  EXPECT_DOUBLE_EQ(e[1].storm.fraction(), 0.25);
  EXPECT_EQ(e[1].storm.backoff_base_ns(), 50'000'000);
  EXPECT_EQ(e[1].storm.backoff_max_ns(), 2'000'000'000);
  EXPECT_EQ(e[2].what, timeline_event::kind::pause);
  EXPECT_EQ(e[2].length_ns, 3'000'000'000);
}

TEST(ScenarioEvents, MistakesAreExplained) {
  const auto r = parse_scenario(R"(target: {spawn: reference-server}
users: 10
duration: 30s
events:
  - {at: 5s}
  - {at: 5s, burst: {multiplier: 3}, scenarios: [nope]}
  - {at: 1m, pause: 2s}
  - {at: 5s, reconnect_storm: {fraction: 1.5, backoff: 5s..1s}}
)", "events.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  expect_messages(text, {"events[0]: needs exactly one of burst, reconnect_storm, pause",
                         "events[1].burst.duration: is required",
                         "events[1].scenarios: 'nope' is not a scenario",
                         "events[2].at: is after every scenario has stopped sending",
                         "events[3].reconnect_storm.fraction: must be at most 1",
                         "events[3].reconnect_storm.backoff: '5s..1s' is not a backoff range"});
}

TEST(ScenarioThresholds, ParsedWithTagsAndAbortOptions) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
scenarios:
  chat: {users: 10, duration: 30s, rate: 10/s, groups: {talkers: {weight: 1}}}
thresholds:
  e2e: ["p(95) < 1500ms", "p(99.9) <= 3s", "avg < 200"]
  lost: ["count == 0"]
  connect_errors: [{threshold: "rate < 0.001", abort_on_fail: true, delay_abort_eval: 10s}]
  "ack{scenario:chat}": ["max < 5s"]
  "e2e{group:chat/talkers}": ["med < 100ms"]
)", "thresholds.yaml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& t = r.value->thresholds;
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].aggregation, "p(95)");
  EXPECT_DOUBLE_EQ(t[0].limit, 1.5e9);
  EXPECT_DOUBLE_EQ(t[1].percentile, 99.9);
  EXPECT_EQ(t[1].op, compare_op::less_equal);
  EXPECT_DOUBLE_EQ(t[2].limit, 200e6);  // a bare number is milliseconds
  EXPECT_TRUE(t[4].abort_on_fail);
  EXPECT_EQ(t[4].delay_abort_eval_ns, 10'000'000'000);
  EXPECT_EQ(t[5].tag_key, "scenario");
  EXPECT_EQ(t[6].tag_value, "chat/talkers");
}

TEST(ScenarioThresholds, MistakesAreExplained) {
  const auto r = parse_scenario(R"(target: {spawn: reference-server}
users: 10
duration: 30s
thresholds:
  e2f: ["p(95) < 1s"]
  e2e: ["p(95) 1s", "p(101) < 1s", "avg < soon", "rate < 0.1"]
  sent: ["rate < 0.5"]
  "e2e{scenario:nope}": ["max < 1s"]
  "e2e{color:red}": ["max < 1s"]
)", "t.yaml");
  EXPECT_FALSE(r.value);
  const auto text = dump(r);
  expect_messages(text, {"thresholds.e2f: 'e2f' is not a metric",
                         "thresholds.e2e[0]: 'p(95) 1s' has no comparison",
                         "thresholds.e2e[1]: 'p(101)': the percentile must be a number from 0 to 100",
                         "thresholds.e2e[2]: 'soon' is not a duration",
                         "thresholds.e2e[3]: 'rate' is not an aggregation of e2e",
                         "thresholds.sent[0]: 'sent' has no rate",
                         "'nope' is not a scenario of this file",
                         "'color' is not a tag"});
}

TEST(ScenarioErrors, UnknownTopLevelKeysInNamedFormGetSuggestions) {
  const auto r = parse_scenario(R"(target: {spawn: reference-server}
thresold: {}
scenarios:
  chat: {users: 10, duration: 5s, rooms_per_usr: 2}
)", "keys.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_error(r, 2, 1, "thresold", "did you mean 'thresholds'")) << dump(r);
  EXPECT_NE(dump(r).find("scenarios.chat.rooms_per_usr: unknown field; did you mean 'rooms_per_user'"), std::string::npos) << dump(r);
}

}  // namespace
}  // namespace throng::controller

namespace throng::controller {
namespace {

TEST(ScenarioGroups, WeightsNeedUsersToShare) {
  const auto r = parse_scenario("target: {spawn: reference-server}\nduration: 5s\ngroups: {a: {weight: 1}}\n", "w.yaml");
  EXPECT_FALSE(r.value);
  EXPECT_NE(dump(r).find("users: is required: groups by weight share"), std::string::npos) << dump(r);
}

}  // namespace
}  // namespace throng::controller
