#include "throng/panel/panel_window.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb/stb_image_write.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "throng/common/log.hpp"

namespace throng::panel {

namespace {

// Set by GLFW input callbacks (ImGui's backend chains to them); read on the UI thread.
bool input_seen = false;

void note_input(GLFWwindow*) {
  input_seen = true;
}

void install_input_callbacks(GLFWwindow* w) {
  glfwSetCursorPosCallback(w, [](GLFWwindow* win, double, double) { note_input(win); });
  glfwSetMouseButtonCallback(w, [](GLFWwindow* win, int, int, int) { note_input(win); });
  glfwSetScrollCallback(w, [](GLFWwindow* win, double, double) { note_input(win); });
  glfwSetKeyCallback(w, [](GLFWwindow* win, int, int, int, int) { note_input(win); });
  glfwSetCharCallback(w, [](GLFWwindow* win, unsigned) { note_input(win); });
  glfwSetWindowSizeCallback(w, [](GLFWwindow* win, int, int) { note_input(win); });
  glfwSetWindowFocusCallback(w, [](GLFWwindow* win, int) { note_input(win); });
}

}  // namespace

panel_window::panel_window(const char* title, int width, int height, bool vsync) {
  glfwSetErrorCallback([](int code, const char* text) { log_warn("GLFW error {}: {}", code, text); });
  if (!glfwInit())
    throw window_error(std::getenv("DISPLAY") ? "cannot open the display named by DISPLAY (is the X server running?)"
                                              : "no display: run it in a desktop session, or under xvfb-run");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  window_ = glfwCreateWindow(width, height, title, nullptr, nullptr);
  if (!window_) {
    glfwTerminate();
    throw window_error("cannot create an OpenGL 3.0 window: check the graphics driver (Mesa's llvmpipe is enough)");
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(vsync ? 1 : 0);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed: nothing to remember
  ImGui::StyleColorsDark();
  // The clear colour is the background: an opaque window quad would only cost fill rate (software GL).
  ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 0;
  install_input_callbacks(window_);  // before the backend, which chains to them
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  // Software GL (llvmpipe under Xvfb or a remote session) pays per pixel for
  // the anti-aliasing fringes: about a fifth of a frame here, so off.
  const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (renderer && (std::strstr(renderer, "llvmpipe") || std::strstr(renderer, "softpipe"))) {
    ImGui::GetStyle().AntiAliasedFill = false;
    ImGui::GetStyle().AntiAliasedLines = false;
    log_debug("software renderer {}: anti-aliasing off", renderer);
  }
}

panel_window::~panel_window() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool panel_window::should_close() const { return glfwWindowShouldClose(window_); }
void panel_window::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

void panel_window::wait_events(double timeout_s) {
  if (timeout_s > 0) glfwWaitEventsTimeout(timeout_s);
  else glfwPollEvents();
}

void panel_window::wake() { glfwPostEmptyEvent(); }

void panel_window::begin_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void panel_window::render() {
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.09f, 0.11f, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

bool panel_window::save_png(const std::string& path, std::string& error) const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's rows run bottom-up; a PNG's top-down.
  const int stride = w * 3;
  if (!stbi_write_png(path.c_str(), w, h, 3, pixels.data() + static_cast<std::ptrdiff_t>(stride) * (h - 1), -stride)) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

void panel_window::present() { glfwSwapBuffers(window_); }

bool panel_window::take_input() { return std::exchange(input_seen, false); }

}  // namespace throng::panel
