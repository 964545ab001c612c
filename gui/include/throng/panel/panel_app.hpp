#pragma once
// throng-panel's main loop: the window, the controller link and the views.

#include <cstdint>
#include <string>

namespace throng::panel {

struct panel_options {
  std::string connect;          // controller host:port to connect to at start; empty: use the connection bar
  std::string token;            // its operator token
  std::string scenario_path;    // prefilled scenario path
  unsigned history_minutes = 10;
  int width = 1600, height = 1000;
  bool vsync = true;
  // Screenshot mode (tests, docs): after `min_snapshots` snapshots, draw
  // `frames` frames, save the last one and exit; fail after `timeout_s`.
  std::string screenshot;
  unsigned frames = 60;
  unsigned min_snapshots = 1;
  double timeout_s = 60;
  std::string metrics_host = "127.0.0.1";
  unsigned short metrics_port = 0;
};

// Returns the process exit code.
int run_panel(const panel_options& options);

}  // namespace throng::panel
