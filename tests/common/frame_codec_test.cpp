#include "throng/common/frame_codec.hpp"

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include "throng/common/chat_batch.hpp"
#include "throng/common/units.hpp"
#include "chat.pb.h"

namespace throng {
namespace {

using google::protobuf::util::MessageDifferencer;

TEST(FrameCodec, TextAndBinaryFramesDecodeToTheSameMessage) {
  const std::string json =
      R"({"send": {"room": "general", "body": "hi", "client_seq": "7", "sent_at_ns": "1700000000123456789", "dup_factor": 3}})";
  auto from_text = decode<chat::ClientFrame>(json, wire_format::json);
  ASSERT_TRUE(from_text) << from_text.error().message();

  chat::ClientFrame built;
  auto* send = built.mutable_send();
  send->set_room("general");
  send->set_body("hi");
  send->set_client_seq(7);
  send->set_sent_at_ns(1700000000123456789);
  send->set_dup_factor(3);
  const std::string binary = encode_frame(built, wire_format::binary);
  auto from_binary = decode<chat::ClientFrame>(binary, wire_format::binary);
  ASSERT_TRUE(from_binary);

  EXPECT_TRUE(MessageDifferencer::Equals(*from_text, *from_binary));
  EXPECT_TRUE(MessageDifferencer::Equals(*from_text, built));
}

TEST(FrameCodec, JsonUsesProtoFieldNames) {
  chat::ServerFrame frame;
  frame.mutable_ack()->set_client_seq(7);
  frame.mutable_ack()->set_seq(1042);
  const std::string json = encode_frame(frame, wire_format::json);
  EXPECT_NE(json.find("\"client_seq\":\"7\""), std::string::npos) << json;
  auto back = decode<chat::ServerFrame>(json, wire_format::json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ack().seq(), 1042u);
}

TEST(FrameCodec, MalformedFramesAreTypedErrorsNotExceptions) {
  std::string detail;
  auto bad_json = decode<chat::ClientFrame>(R"({"send": {"room": )", wire_format::json, 1 << 20, &detail);
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error(), frame_errc::malformed_json);
  EXPECT_FALSE(detail.empty());

  auto unknown_field = decode<chat::ClientFrame>(R"({"sned": {}})", wire_format::json);
  ASSERT_FALSE(unknown_field);
  EXPECT_EQ(unknown_field.error(), frame_errc::malformed_json);

  auto wrong_type = decode<chat::ClientFrame>(R"({"send": {"client_seq": "seven"}})", wire_format::json);
  ASSERT_FALSE(wrong_type);

  const std::string garbage("\xff\xff\xff\xff\x0f\x01", 6);
  auto bad_binary = decode<chat::ClientFrame>(garbage, wire_format::binary);
  ASSERT_FALSE(bad_binary);
  EXPECT_EQ(bad_binary.error(), frame_errc::malformed_binary);
  EXPECT_EQ(bad_binary.error().category().name(), std::string("throng.frame"));

  auto empty = decode<chat::ClientFrame>("", wire_format::binary);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), frame_errc::empty_frame);

  auto empty_json = decode<chat::ClientFrame>("{}", wire_format::json);
  ASSERT_FALSE(empty_json);
  EXPECT_EQ(empty_json.error(), frame_errc::empty_frame);

  auto too_big = decode<chat::ClientFrame>(std::string(2000, 'x'), wire_format::binary, 1000);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error(), frame_errc::too_large);
}

TEST(FrameCodec, BatchOfPreSerialisedFramesParsesAsBatch) {
  std::vector<std::shared_ptr<const std::string>> frames;
  for (int i = 1; i <= 3; ++i) {
    chat::ServerFrame f;
    f.mutable_message()->set_room("r");
    f.mutable_message()->set_seq(i);
    f.mutable_message()->set_body(std::string(200 * i, 'a'));  // lengths past one varint byte
    frames.push_back(std::make_shared<const std::string>(f.SerializeAsString()));
  }
  std::string wire;
  encode_chat_batch(frames, wire);
  auto batch = decode<chat::ServerFrame>(wire, wire_format::binary);
  ASSERT_TRUE(batch);
  ASSERT_TRUE(batch->has_batch());
  ASSERT_EQ(batch->batch().frames_size(), 3);
  EXPECT_EQ(batch->batch().frames(2).message().seq(), 3u);
  EXPECT_EQ(batch->batch().frames(2).message().body().size(), 600u);
}

TEST(Units, ParsesHumanUnits) {
  EXPECT_EQ(parse_duration_ns("30s"), 30'000'000'000);
  EXPECT_EQ(parse_duration_ns("1m30s"), 90'000'000'000);
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
  EXPECT_FALSE(parse_duration_ns("30"));
  EXPECT_FALSE(parse_duration_ns("soon"));
  EXPECT_EQ(parse_bytes("64KiB"), 65536u);
  EXPECT_EQ(parse_bytes("150B"), 150u);
  EXPECT_EQ(parse_bytes("150"), 150u);
  EXPECT_FALSE(parse_bytes("1.5B"));
  EXPECT_EQ(parse_count("10k"), 10'000u);
  EXPECT_EQ(parse_count("1.5M"), 1'500'000u);
  EXPECT_FALSE(parse_count("-3"));
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("200/s"), 200.0);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("12k/m"), 200.0);
  EXPECT_FALSE(parse_rate_per_s("3/week"));
}

}  // namespace
}  // namespace throng
