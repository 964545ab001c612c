#include "throng/panel/controller_link.hpp"

#include <fmt/format.h>

#include "throng/common/frame_codec.hpp"
#include "throng/common/log.hpp"
#include "throng/common/url.hpp"
#include "throng/common/ws_channel.hpp"
#include "throng/common/ws_dial.hpp"
#include "throng/panel/snapshot_builder.hpp"

namespace throng::panel {

std::string operator_url(const std::string& address) {
  std::string text = address;
  if (!text.starts_with("ws://") && !text.starts_with("wss://")) text = "ws://" + text;
  auto url = parse_ws_url(text);
  if (!url || url->tls || url->host.empty()) return {};
  if (url->path.empty() || url->path == "/") url->path = "/operators";
  return url->str();
}

struct controller_link::impl {
  net::io_context io{1};
  command_queue& commands;
  std::function<void()> on_change;
  snapshot_builder builder;
  mutable std::mutex latest_mutex;
  std::shared_ptr<const panel_snapshot> latest;
  std::shared_ptr<ws_channel> channel;
  std::uint64_t session = 0;  // bumped by connect/disconnect: an older session's loop ends

  impl(command_queue& q, std::function<void()> change, std::size_t history)
      : commands(q), on_change(std::move(change)), builder(history), latest(builder.publish()) {}

  void publish() {
    {
      auto next = builder.publish();
      std::lock_guard lock(latest_mutex);
      latest = std::move(next);
    }
    if (on_change) on_change();
  }

  // Publishes only a change, so a reconnect loop does not keep the UI drawing.
  void update_link(link_state state, const std::string& address, const std::string& message) {
    if (builder.set_link(state, address, message)) publish();
  }

  void drain_commands() {
    for (auto& c : commands.take_all()) {
      switch (c.what) {
        case panel_command::kind::connect:
          disconnect();
          net::co_spawn(io, run_session(++session, c.address, c.token), log_exceptions{"controller link"});
          break;
        case panel_command::kind::disconnect:
          ++session;
          disconnect();
          update_link(link_state::disconnected, builder.current().address, "disconnected");
          break;
        case panel_command::kind::send: send(c.operator_command); break;
      }
    }
  }

  void disconnect() {
    if (channel) channel->close(websocket::close_code::normal, "panel disconnected");
    channel.reset();
  }

  void send(const control::OperatorCommand& command) {
    if (!channel) {
      control::Refused r;
      r.set_reason("not connected to a controller: connect first");
      builder.refused(r);
      publish();
      return;
    }
    control::OperatorToController message;
    *message.mutable_command() = command;
    channel->send(encode_frame(message, wire_format::binary));
  }

  // Connects, reads until the link ends, and reconnects every second until
  // refused or replaced by another connect/disconnect.
  net::awaitable<void> run_session(std::uint64_t id, std::string address, std::string token) {
    const std::string url_text = operator_url(address);
    const auto url = parse_ws_url(url_text);
    if (!url) {
      update_link(link_state::refused, address, fmt::format("'{}' is not host:port or a ws:// URL", address));
      co_return;
    }
    update_link(link_state::connecting, url_text, "");
    while (id == session) {
      auto dialed = co_await dial_websocket(*url, token, "throng-panel", std::chrono::seconds(5));
      if (id != session) co_return;
      if (!dialed.ws) {
        if (dialed.refused_token()) {
          update_link(link_state::refused, url_text,
                           "the controller refused the operator token: use the one given to its --operator-token");
          co_return;
        }
        update_link(link_state::connecting, url_text,
                    fmt::format("cannot reach the controller ({}); retrying", dialed.ec.message()));
      } else {
        auto ch = std::make_shared<ws_channel>(std::move(*dialed.ws), 16 * 1024 * 1024);
        ch->start();
        channel = ch;
        control::OperatorToController hello;
        hello.mutable_hello()->set_protocol_version(control::PROTOCOL_VERSION_CURRENT);
        hello.mutable_hello()->set_client(fmt::format("throng-panel {}", THRONG_VERSION));
        ch->send(encode_frame(hello, wire_format::binary));
        update_link(link_state::connected, url_text, "");
        const bool refused = co_await read_stream(id, *ch);
        if (channel == ch) channel.reset();
        if (refused || id != session) co_return;
        update_link(link_state::connecting, url_text, "the controller closed the link; reconnecting");
      }
      net::steady_timer pause(io, std::chrono::seconds(1));
      co_await pause.async_wait(use_nothrow);
    }
  }

  // Returns true when the controller refused the panel itself (not a command).
  net::awaitable<bool> read_stream(std::uint64_t id, ws_channel& ch) {
    beast::flat_buffer buffer;
    control::ControllerToOperator message;
    bool any_snapshot = false;
    for (;;) {
      const auto r = co_await read_message(ch.stream(), buffer, message);
      if (id != session) co_return false;
      if (r.ec.category() == frame_category()) {
        update_link(link_state::connected, builder.current().address,
                         "the controller sent a message this panel cannot read: run the same Throng version on both");
        continue;
      }
      if (r.ec) co_return false;
      if (message.has_snapshot()) {
        any_snapshot = true;
        builder.add(message.snapshot());
        publish();
      } else if (message.has_refused()) {
        if (!any_snapshot) {
          // Refused before the first snapshot: the hello itself (e.g. another protocol version).
          update_link(link_state::refused, builder.current().address,
                           "the controller refused this panel: " + message.refused().reason());
          co_return true;
        }
        builder.refused(message.refused());
        publish();
      }
    }
  }
};

controller_link::controller_link(command_queue& commands, std::function<void()> on_change, std::size_t history_seconds)
    : impl_(std::make_unique<impl>(commands, std::move(on_change), history_seconds)) {
  commands.set_on_push([i = impl_.get()] { net::post(i->io, [i] { i->drain_commands(); }); });
  thread_ = std::thread([i = impl_.get()] {
    auto guard = net::make_work_guard(i->io);
    i->drain_commands();
    i->io.run();
  });
}

controller_link::~controller_link() {
  impl_->commands.set_on_push({});
  net::post(impl_->io, [i = impl_.get()] {
    ++i->session;
    i->disconnect();
    i->io.stop();
  });
  thread_.join();
}

std::shared_ptr<const panel_snapshot> controller_link::latest() const {
  std::lock_guard lock(impl_->latest_mutex);
  return impl_->latest;
}

}  // namespace throng::panel
