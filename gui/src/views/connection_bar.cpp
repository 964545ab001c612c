// Controller address, token, and the link's state in plain words.

#include "views.hpp"

namespace throng::panel {

void draw_connection_bar(const panel_snapshot& s, ui_state& ui, command_queue& commands) {
  ImGui::SetNextItemWidth(220);
  ImGui::InputText("controller", ui.address, sizeof ui.address);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::InputText("token", ui.token, sizeof ui.token, ImGuiInputTextFlags_Password);
  ImGui::SameLine();
  const bool linked = s.state == link_state::connected || s.state == link_state::connecting;
  if (!linked && ImGui::Button("Connect")) commands.push({panel_command::kind::connect, ui.address, ui.token, {}});
  if (linked && ImGui::Button("Disconnect")) commands.push({panel_command::kind::disconnect, {}, {}, {}});
  ImGui::SameLine();
  const ImVec4 color = s.state == link_state::connected ? colors::good
                       : s.state == link_state::refused  ? colors::bad
                                                         : colors::warn;
  ImGui::TextColored(color, "%s", link_state_name(s.state));
  if (!s.address.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", s.address.c_str());
  }
  if (!s.link_message.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(s.state == link_state::refused ? colors::bad : colors::muted, "%s", s.link_message.c_str());
  }
}

}  // namespace throng::panel
