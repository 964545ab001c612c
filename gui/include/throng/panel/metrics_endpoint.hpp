#pragma once
// Serves /metrics (Prometheus text) from its own thread; the text comes from
// a callback that must be thread-safe.

#include <functional>
#include <memory>
#include <string>

namespace throng::panel {

class metrics_endpoint {
 public:
  // Throws std::system_error when the port cannot be bound.
  metrics_endpoint(const std::string& host, unsigned short port, std::function<std::string()> text);
  ~metrics_endpoint();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace throng::panel
