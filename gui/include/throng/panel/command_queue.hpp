#pragma once
// Commands from the UI thread to the network thread. The UI pushes; the
// link takes them all at once on its own thread, woken by `on_push`.

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "control.pb.h"

namespace throng::panel {

struct panel_command {
  enum class kind { connect, disconnect, send } what = kind::send;
  std::string address;                 // connect: host:port or ws://host:port/operators
  std::string token;                   // connect: the controller's operator token
  control::OperatorCommand operator_command;  // send
};

class command_queue {
 public:
  void push(panel_command c) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(c));
      wake = on_push_;
    }
    if (wake) wake();
  }
  std::vector<panel_command> take_all() {
    std::lock_guard lock(mutex_);
    return std::exchange(queue_, {});
  }
  void set_on_push(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    on_push_ = std::move(wake);
  }

 private:
  std::mutex mutex_;
  std::vector<panel_command> queue_;
  std::function<void()> on_push_;
};

}  // namespace throng::panel
