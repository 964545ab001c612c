#include "redis_connection.hpp"

#include "throng/common/log.hpp"

namespace throng::server {

redis_connection::redis_connection(net::io_context& io, std::string host, unsigned short port, std::string name)
    : io_(io), host_(std::move(host)), port_(port), name_(std::move(name)), socket_(io), backoff_timer_(io) {}

void redis_connection::start(std::function<void()> on_connected) {
  on_connected_ = std::move(on_connected);
  do_connect();
}

void redis_connection::stop() {
  stopped_ = true;
  backoff_timer_.cancel();
  fail("stopping");
}

void redis_connection::do_connect() {
  if (stopped_) return;
  error_code ec;
  const auto address = net::ip::make_address(host_, ec);
  if (ec) {
    // Resolve names synchronously: this runs at start and on reconnects only, off the shards.
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec || results.empty()) {
      if (!logged_down_) log_error("{}: cannot resolve Redis host '{}': {}", name_, host_, ec.message());
      logged_down_ = true;
      retry_later();
      return;
    }
    socket_.async_connect(results.begin()->endpoint(), [self = shared_from_this()](error_code e) { self->on_connect(e); });
    return;
  }
  socket_.async_connect({address, port_}, [self = shared_from_this()](error_code e) { self->on_connect(e); });
}

void redis_connection::on_connect(const error_code& ec) {
  if (stopped_) return;
  if (ec) {
    if (!logged_down_) log_warn("{}: cannot reach Redis at {}:{} ({}); retrying", name_, host_, port_, ec.message());
    logged_down_ = true;
    error_code ignored;
    socket_.close(ignored);
    retry_later();
    return;
  }
  socket_.set_option(tcp::no_delay(true));
  if (logged_down_) log_info("{}: connected to Redis at {}:{}", name_, host_, port_);
  logged_down_ = false;
  connected_ = true;
  ++generation_;
  backoff_ = std::chrono::milliseconds(50);
  in_.clear();
  do_read();
  if (on_connected_) on_connected_();
}

void redis_connection::retry_later() {
  backoff_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(1000));
  backoff_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->do_connect();
  });
}

void redis_connection::call(std::vector<std::string> args, reply_fn done) {
  if (!connected_) {
    net::post(io_, [done = std::move(done)] {
      auto error = resp::value::failure("ERR the bus (Redis) is not connected");
      done(error);
    });
    return;
  }
  resp::append_command(out_, args);
  waiting_.push_back(std::move(done));
  if (!writing_) do_write();
}

void redis_connection::do_write() {
  if (out_.empty() || !connected_) return;
  writing_ = true;
  auto buffer = std::make_shared<std::string>(std::exchange(out_, {}));
  net::async_write(socket_, net::buffer(*buffer), [self = shared_from_this(), buffer, gen = generation_](error_code ec, std::size_t) {
    if (gen != self->generation_) return;  // an earlier connection's write
    self->writing_ = false;
    if (ec) {
      self->fail(ec.message());
      return;
    }
    self->do_write();  // what was queued meanwhile goes in one write
  });
}

void redis_connection::do_read() {
  // A reply still incomplete is parsed again from its start once more bytes
  // arrive: reading at least as much as is buffered keeps that linear overall.
  const std::size_t old = in_.size();
  const std::size_t chunk = std::max<std::size_t>(65536, old);
  in_.resize(old + chunk);
  socket_.async_read_some(net::buffer(in_.data() + old, chunk), [self = shared_from_this(), old, gen = generation_](error_code ec, std::size_t n) {
    if (gen != self->generation_) return;  // an earlier connection's read
    self->in_.resize(old + n);
    if (ec) {
      self->fail(ec.message());
      return;
    }
    std::size_t offset = 0;
    for (;;) {
      resp::value reply;
      std::size_t used = 0;
      const auto status = resp::parse(std::string_view(self->in_).substr(offset), reply, used);
      if (status == resp::parse_status::incomplete) break;
      if (status == resp::parse_status::malformed || self->waiting_.empty()) {
        self->fail("unreadable reply from Redis");
        return;
      }
      offset += used;
      auto done = std::move(self->waiting_.front());
      self->waiting_.pop_front();
      done(reply);
      if (!self->connected_) return;  // a callback's failure closed the connection
    }
    self->in_.erase(0, offset);
    self->do_read();
  });
}

void redis_connection::fail(const std::string& why) {
  const bool was_connected = connected_;
  connected_ = false;
  writing_ = false;
  ++generation_;
  error_code ignored;
  socket_.close(ignored);
  out_.clear();
  in_.clear();
  auto waiting = std::exchange(waiting_, {});
  for (auto& done : waiting) {
    auto error = resp::value::failure("ERR connection to Redis lost: " + why);
    done(error);
  }
  if (was_connected && !stopped_) {
    log_warn("{}: lost Redis at {}:{} ({}); reconnecting", name_, host_, port_, why);
    logged_down_ = true;
    retry_later();
  }
}

}  // namespace throng::server
