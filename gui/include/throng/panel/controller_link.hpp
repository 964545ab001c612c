#pragma once
// The panel's network thread: owns the link to a controller's operator port,
// turns its stream into panel_snapshots and sends the UI's commands. The UI
// thread only calls latest() and pushes onto the command queue.

#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "throng/panel/command_queue.hpp"
#include "throng/panel/panel_snapshot.hpp"

namespace throng::panel {

class controller_link {
 public:
  // `on_change` runs on the network thread after each new snapshot (e.g. to
  // wake the UI's event wait).
  controller_link(command_queue& commands, std::function<void()> on_change, std::size_t history_seconds);
  ~controller_link();
  controller_link(const controller_link&) = delete;
  controller_link& operator=(const controller_link&) = delete;

  std::shared_ptr<const panel_snapshot> latest() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::thread thread_;
};

// "host:port" or a ws:// URL; the path defaults to /operators. Empty when
// the address is not one of those.
std::string operator_url(const std::string& address);

}  // namespace throng::panel
