#pragma once
// Encoding and decoding of protocol frames. Binary WebSocket frames carry
// protobuf; text frames carry protobuf's canonical JSON with proto field
// names. Decoding never throws: a bad frame is a typed error.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace google::protobuf { class Message; }

namespace throng {

enum class wire_format { binary, json };

enum class frame_errc {
  empty_frame = 1,       // decoded, but no message kind is set
  malformed_binary,      // not a valid protobuf message
  malformed_json,        // not valid JSON, or not the schema's JSON mapping
  too_large,             // larger than the receiver accepts
};

const boost::system::error_category& frame_category() noexcept;
boost::system::error_code make_error_code(frame_errc e) noexcept;

// Parses `payload` into `out` (cleared first). `error_detail`, when given,
// receives the parser's explanation for a user-facing error message.
boost::system::error_code decode_frame(std::string_view payload, wire_format format,
                                       google::protobuf::Message& out,
                                       std::string* error_detail = nullptr);

// Decodes a whole frame of type Frame (ClientFrame, ServerFrame, ...): checks
// size and that a `kind` is set.
template <class Frame>
boost::system::result<Frame> decode(std::string_view payload, wire_format format,
                                    std::size_t max_bytes = 16 * 1024 * 1024,
                                    std::string* error_detail = nullptr) {
  if (payload.size() > max_bytes) return make_error_code(frame_errc::too_large);
  Frame frame;
  if (auto ec = decode_frame(payload, format, frame, error_detail)) return ec;
  if (frame.kind_case() == Frame::KIND_NOT_SET) return make_error_code(frame_errc::empty_frame);
  return frame;
}

// Serialises a message; JSON keeps proto field names and omits defaults.
std::string encode_frame(const google::protobuf::Message& message, wire_format format);
void encode_frame(const google::protobuf::Message& message, wire_format format, std::string& out);

}  // namespace throng

template <>
struct boost::system::is_error_code_enum<throng::frame_errc> : std::true_type {};
