#pragma once
// The panel's window: GLFW, OpenGL 3 and the ImGui backends. Idle while
// nothing changes (it sleeps in the event wait), frames when input or data
// arrive.

#include <stdexcept>
#include <string>

struct GLFWwindow;

namespace throng::panel {

struct window_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class panel_window {
 public:
  // Throws window_error with what to do (e.g. no display).
  panel_window(const char* title, int width, int height, bool vsync);
  ~panel_window();
  panel_window(const panel_window&) = delete;
  panel_window& operator=(const panel_window&) = delete;

  bool should_close() const;
  void request_close();
  // Sleeps until input, wake() or the timeout; returns at once with timeout 0.
  void wait_events(double timeout_s);
  // From any thread: ends a wait_events early.
  static void wake();

  void begin_frame();
  // Renders the ImGui frame into the back buffer.
  void render();
  // The back buffer as rendered, to a PNG; false with a message on failure.
  bool save_png(const std::string& path, std::string& error) const;
  void present();
  // Whether the user moved, clicked, scrolled, typed or resized since the last call.
  bool take_input();

 private:
  GLFWwindow* window_ = nullptr;
};

}  // namespace throng::panel
