#include "throng/common/ws_dial.hpp"

namespace throng {

net::awaitable<dial_result> dial_websocket(const ws_url& url, const std::string& bearer_token, const char* user_agent,
                                           std::chrono::milliseconds timeout) {
  dial_result out;
  auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
  if (rec) {
    out.ec = rec;
    co_return out;
  }
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, use_nothrow);
  if (cec) {
    out.ec = cec;
    co_return out;
  }
  tcp.expires_never();
  ws_stream ws(std::move(tcp));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator([bearer_token, user_agent](websocket::request_type& req) {
    req.set(http::field::user_agent, user_agent);
    if (!bearer_token.empty()) req.set(http::field::authorization, "Bearer " + bearer_token);
  }));
  ws.binary(true);
  websocket::response_type response;
  auto [hec] = co_await ws.async_handshake(response, url.host + ":" + std::to_string(url.port), url.path, use_nothrow);
  if (hec) {
    out.ec = hec;
    out.http_status = response.result_int();
    co_return out;
  }
  out.ws.emplace(std::move(ws));
  co_return out;
}

}  // namespace throng
