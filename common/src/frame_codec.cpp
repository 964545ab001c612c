#include "throng/common/frame_codec.hpp"

#include "throng/common/log.hpp"

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

namespace throng {

namespace {

// Protobuf logs every string field with invalid UTF-8 it refuses. A peer
// controls that, so it must not reach stderr at will: decode() reports the
// error to the caller, and protobuf's own line goes to the debug log.
void protobuf_log_to_debug(google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
  log_debug("protobuf {}:{}: {}", file, line, message);
}
[[maybe_unused]] const bool protobuf_log_redirected = [] {
  google::protobuf::SetLogHandler(&protobuf_log_to_debug);
  return true;
}();

class frame_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "throng.frame"; }
  std::string message(int ev) const override {
    switch (static_cast<frame_errc>(ev)) {
      case frame_errc::empty_frame: return "frame has no message kind set";
      case frame_errc::malformed_binary: return "binary frame is not a valid protobuf message";
      case frame_errc::malformed_json: return "text frame is not valid JSON for this protocol";
      case frame_errc::too_large: return "frame is larger than allowed";
    }
    return "unknown frame error";
  }
};

}  // namespace

const boost::system::error_category& frame_category() noexcept {
  static const frame_category_impl category;
  return category;
}

boost::system::error_code make_error_code(frame_errc e) noexcept {
  return {static_cast<int>(e), frame_category()};
}

boost::system::error_code decode_frame(std::string_view payload, wire_format format,
                                       google::protobuf::Message& out, std::string* error_detail) {
  out.Clear();
  if (format == wire_format::binary) {
    if (!out.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      if (error_detail) *error_detail = "protobuf parse failed";
      return make_error_code(frame_errc::malformed_binary);
    }
    return {};
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(payload.data(), payload.size()), &out, options);
  if (!status.ok()) {
    if (error_detail) *error_detail = std::string(status.message());
    out.Clear();
    return make_error_code(frame_errc::malformed_json);
  }
  return {};
}

void encode_frame(const google::protobuf::Message& message, wire_format format, std::string& out) {
  out.clear();
  if (format == wire_format::binary) {
    message.SerializeToString(&out);
    return;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
}

std::string encode_frame(const google::protobuf::Message& message, wire_format format) {
  std::string out;
  encode_frame(message, format, out);
  return out;
}

}  // namespace throng
