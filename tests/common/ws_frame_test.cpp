// WebSocket framing (RFC 6455): headers in their three length forms, masking.
#include "throng/common/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace throng;

TEST(WsFrame, HeadersRoundTripInAllThreeLengthForms) {
  const char mask[4] = {1, 2, 3, 4};
  for (const std::uint64_t length : {0ULL, 125ULL, 126ULL, 65535ULL, 65536ULL, 5'000'000'000ULL}) {
    for (const bool masked : {false, true}) {
      char head[ws::max_header_size];
      const auto size = ws::write_header(head, ws::op_binary, length, masked ? mask : nullptr);
      EXPECT_EQ(size, (length < 126 ? 2u : length <= 0xFFFF ? 4u : 10u) + (masked ? 4u : 0u));
      ws::frame_header h;
      ASSERT_EQ(ws::parse_header(std::string_view(head, size), h), ws::header_status::complete);
      EXPECT_TRUE(h.fin);
      EXPECT_EQ(h.opcode, ws::op_binary);
      EXPECT_EQ(h.masked, masked);
      EXPECT_EQ(h.length, length);
      EXPECT_EQ(h.size, size);
      if (masked) {
        EXPECT_EQ(std::string(h.mask, 4), std::string(mask, 4));
      }
      // Every shorter prefix is incomplete, never misread.
      for (std::size_t cut = 0; cut < size; ++cut)
        EXPECT_EQ(ws::parse_header(std::string_view(head, cut), h), ws::header_status::incomplete) << cut;
    }
  }
}

TEST(WsFrame, ReservedBitsAreRefused) {
  const char head[2] = {static_cast<char>(0x80 | 0x40 | ws::op_text), 0};  // RSV1: compression, never negotiated
  ws::frame_header h;
  EXPECT_EQ(ws::parse_header(std::string_view(head, 2), h), ws::header_status::bad);
}

TEST(WsFrame, MaskingIsItsOwnInverseAtAnyOffset) {
  const char mask[4] = {'\x12', '\x34', '\x56', '\x78'};
  const std::string original = "The quick brown fox jumps over the lazy dog, twice over.";
  std::string data = original;
  ws::apply_mask(data.data(), data.size(), mask);
  for (std::size_t i = 0; i < data.size(); ++i) EXPECT_EQ(data[i], static_cast<char>(original[i] ^ mask[i % 4])) << i;
  // Unmasking in two pieces, the second starting at a key offset, gives the original back.
  ws::apply_mask(data.data(), 7, mask);
  ws::apply_mask(data.data() + 7, data.size() - 7, mask, 7);
  EXPECT_EQ(data, original);
}
