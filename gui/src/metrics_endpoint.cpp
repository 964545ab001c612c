#include "throng/panel/metrics_endpoint.hpp"

#include <thread>

#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/net.hpp"

namespace throng::panel {

struct metrics_endpoint::impl {
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
};

metrics_endpoint::metrics_endpoint(const std::string& host, unsigned short port, std::function<std::string()> text)
    : impl_(std::make_unique<impl>()) {
  open_acceptor(impl_->acceptor, host, port);
  net::co_spawn(impl_->io, accept_loop(impl_->acceptor, metrics_only(std::move(text))), log_exceptions{"metrics listener"});
  log_info("metrics on http://{}:{}/metrics", host, impl_->acceptor.local_endpoint().port());
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

metrics_endpoint::~metrics_endpoint() {
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace throng::panel
