#include "request_reader.hpp"

#include <unistd.h>

#include "throng/common/clock.hpp"
#include "ws_outbox.hpp"

namespace throng::server {

request_reader::~request_reader() { close_all(); }

bool request_reader::header_complete(const std::string& bytes) {
  return bytes.find("\r\n\r\n") != std::string::npos;
}

bool request_reader::read_available(int fd, std::string& bytes) {
  // Past the header limit the HTTP server refuses it: reading more is no use.
  const auto outcome = read_edge(fd, outbox_.receive_buffer(), false, 4, [&bytes](char* data, std::size_t n) {
    bytes.append(data, n);
    return bytes.size() <= max_header_bytes;
  });
  return outcome != edge_outcome::end_of_stream;
}

void request_reader::take(int fd) {
  std::string bytes;
  if (!read_available(fd, bytes)) {
    ::close(fd);
    return;
  }
  if (header_complete(bytes) || bytes.size() > max_header_bytes) {
    dispatch(fd, std::move(bytes));
    return;
  }
  auto p = std::make_unique<pending>(*this, fd, mono_ns());
  p->bytes = std::move(bytes);
  if (!outbox_.poller().watch(fd, p.get())) {
    ::close(fd);
    return;
  }
  pending_[fd] = std::move(p);
}

void request_reader::read_more(pending& p) {
  const int fd = p.fd;
  if (!read_available(fd, p.bytes)) {
    drop(fd);
    return;
  }
  if (!header_complete(p.bytes) && p.bytes.size() <= max_header_bytes) return;
  std::string bytes = std::move(p.bytes);
  outbox_.poller().park(fd);  // its next watcher (the session's connection) picks up its edges
  pending_.erase(fd);
  dispatch(fd, std::move(bytes));
}

void request_reader::dispatch(int fd, std::string bytes) {
  // Only a whole request with nothing after it is an upgrade to take here;
  // a body, pipelined bytes, a malformed or oversized header: the HTTP server
  // answers (or refuses) those as it does any other request.
  http::request_parser<http::string_body> parser;
  error_code ec;
  const std::size_t used = parser.put(net::buffer(bytes), ec);
  if (!ec && parser.is_done() && used == bytes.size()) {
    const http_request& request = parser.get();
    if (websocket::is_upgrade(request) && upgrade_ && upgrade_(fd, request)) return;
  }
  outbox_.poller().forget(fd, true);  // Asio's reactor takes it from here
  if (http_) {
    http_(fd, std::move(bytes));
  } else {
    ::close(fd);
  }
}

void request_reader::drop(int fd) {
  outbox_.poller().forget(fd);
  ::close(fd);
  pending_.erase(fd);
}

void request_reader::sweep(std::int64_t now_ns) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ns - it->second->since_ns <= request_timeout_ns) {
      ++it;
      continue;
    }
    outbox_.poller().forget(it->first);
    ::close(it->first);
    it = pending_.erase(it);
  }
}

void request_reader::close_all() {
  for (auto& [fd, p] : pending_) {
    outbox_.poller().forget(fd);
    ::close(fd);
  }
  pending_.clear();
}

}  // namespace throng::server
