// throng-panel: the control panel. Parses the command line; the loop is in panel_app.cpp.

#include <cstdlib>

#include "throng/common/cli.hpp"
#include "throng/panel/panel_app.hpp"

int main(int argc, char** argv) {
  CLI::App app{"throng-panel: live latency histograms and run control for a Throng controller.\n"
               "Connect it to the operator port of `throng run --operator-port P --operator-token T` or `throng serve`."};
  throng::panel::panel_options o;
  if (const char* token = std::getenv("THRONG_OPERATOR_TOKEN")) o.token = token;
  app.add_option("--connect", o.connect, "controller operator address to connect to at start: HOST:PORT or ws://HOST:PORT/operators");
  app.add_option("--token", o.token, "the controller's --operator-token (env THRONG_OPERATOR_TOKEN)");
  app.add_option("--scenario", o.scenario_path, "scenario path to prefill (a path on the controller's machine)");
  app.add_option("--history-minutes", o.history_minutes, "minutes of per-second history in the charts")
      ->check(CLI::Range(1u, 240u))->capture_default_str();
  app.add_option("--width", o.width, "window width")->check(CLI::Range(320, 10000))->capture_default_str();
  app.add_option("--height", o.height, "window height")->check(CLI::Range(240, 10000))->capture_default_str();
  app.add_flag("!--no-vsync", o.vsync, "do not wait for the display's refresh");
  app.add_option("--screenshot", o.screenshot, "save a PNG after --frames frames with data, then exit");
  app.add_option("--frames", o.frames, "frames to draw before the screenshot")->check(CLI::Range(1u, 100000u))->capture_default_str();
  app.add_option("--min-snapshots", o.min_snapshots, "snapshots to receive before counting screenshot frames")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "screenshot mode: give up after this many seconds")->capture_default_str();
  app.add_option("--metrics-host", o.metrics_host, "address of the metrics listener")->capture_default_str();
  app.add_option("--metrics-port", o.metrics_port, "serve Prometheus metrics on this port (0: off)")
      ->check(CLI::Range(0, 65535));
  if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  return throng::panel::run_panel(o);
}
