// The views drawn headless (an ImGui context without OpenGL): the Start
// button queues the command, disabled buttons queue nothing, and a frame
// with a thousand agents draws.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include "throng/panel/panel_ui.hpp"

namespace throng::panel {
namespace {

class headless_ui : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    auto& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1600, 1000);
    io.DeltaTime = 1.0f / 60;
    io.IniFilename = nullptr;
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no texture upload without a renderer
  }
  void TearDown() override { ImGui::DestroyContext(); }

  void frame(const panel_snapshot& s) {
    ImGui::NewFrame();
    draw_panel(s, ui, commands);
    ImGui::Render();
  }
  // Presses a button of the panel's window by its label, as a click would
  // (activation takes effect on the next frame).
  void press(const panel_snapshot& s, const char* label) {
    frame(s);
    ImGuiWindow* window = ImGui::FindWindowByName("throng-panel");
    ASSERT_NE(window, nullptr);
    GImGui->NavNextActivateId = window->GetID(label);
    frame(s);
    frame(s);
  }

  ui_state ui;
  command_queue commands;
};

panel_snapshot waiting_controller() {
  panel_snapshot s;
  s.state = link_state::connected;
  s.address = "ws://127.0.0.1:9100/operators";
  s.phase = "waiting";
  return s;
}

TEST_F(headless_ui, StartQueuesTheScenarioPath) {
  std::snprintf(ui.scenario_path, sizeof ui.scenario_path, "%s", "scenarios/ci-gate.yaml");
  press(waiting_controller(), "Start");
  const auto queued = commands.take_all();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].what, panel_command::kind::send);
  EXPECT_EQ(queued[0].operator_command.start_scenario_path(), "scenarios/ci-gate.yaml");
}

TEST_F(headless_ui, StartIsDisabledWithoutAController) {
  auto s = waiting_controller();
  s.state = link_state::disconnected;
  press(s, "Start");
  EXPECT_TRUE(commands.take_all().empty());
}

TEST_F(headless_ui, StopIsDisabledBeforeTheRun) {
  press(waiting_controller(), "Stop");
  EXPECT_TRUE(commands.take_all().empty());
}

TEST_F(headless_ui, StopQueuesAStopWhileRunning) {
  auto s = waiting_controller();
  s.phase = "running";
  s.run_id = "smoke-1";
  press(s, "Stop");
  const auto queued = commands.take_all();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_TRUE(queued[0].operator_command.has_stop());
}

TEST_F(headless_ui, ConnectQueuesTheAddressAndToken) {
  panel_snapshot s;
  std::snprintf(ui.address, sizeof ui.address, "%s", "10.0.0.7:9100");
  std::snprintf(ui.token, sizeof ui.token, "%s", "secret");
  press(s, "Connect");
  const auto queued = commands.take_all();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].what, panel_command::kind::connect);
  EXPECT_EQ(queued[0].address, "10.0.0.7:9100");
  EXPECT_EQ(queued[0].token, "secret");
}

TEST_F(headless_ui, AThousandAgentsDrawAndSortOnce) {
  auto s = waiting_controller();
  s.phase = "running";
  s.run_id = "big-1";
  for (int i = 0; i < 1000; ++i) {
    agent_row a;
    a.id = "agent-" + std::to_string(1000 - i);
    a.region = i % 2 ? "eu" : "us";
    a.cpu_percent = i % 100;
    a.saturated = a.cpu_percent >= 85;
    s.agents.push_back(a);
  }
  s.version = 7;
  frame(s);
  ASSERT_EQ(ui.agent_order.size(), 1000u);
  EXPECT_EQ(ui.agents_sorted_for, 7u);
  // Sorted by id (the default), ascending.
  for (std::size_t i = 1; i < ui.agent_order.size(); ++i)
    EXPECT_LE(s.agents[static_cast<std::size_t>(ui.agent_order[i - 1])].id, s.agents[static_cast<std::size_t>(ui.agent_order[i])].id);
  // Only the rows in view are submitted: far fewer vertices than 1000 rows would need.
  EXPECT_LT(ImGui::GetDrawData()->TotalVtxCount, 200'000);
}

}  // namespace
}  // namespace throng::panel
