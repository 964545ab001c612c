#include "throng/common/net.hpp"

#include <boost/asio/error.hpp>

#include "throng/common/log.hpp"

namespace throng {

bool is_expected_ending(const error_code& ec) noexcept {
  return ec == net::error::operation_aborted || ec == websocket::error::closed ||
         ec == beast::error::timeout || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == http::error::end_of_stream;
}

void log_exceptions::operator()(std::exception_ptr e) const {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log_error("{}: {}", what, ex.what());
  }
}

}  // namespace throng
