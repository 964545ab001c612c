#pragma once
// Asio/Beast vocabulary for the networking sources. Heavy: include it from
// .cpp files only, never from a component's public header. Asio and Beast are
// compiled once, in asio_impl.cpp (BOOST_*_SEPARATE_COMPILATION).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <exception>
#include <string_view>

namespace throng {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

// co_await op(..., use_nothrow) yields a tuple (error_code, results...).
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

using ws_stream = websocket::stream<beast::tcp_stream>;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

// The endings of a connection that are not errors: closed by the peer, by us,
// by a timeout, or by shutdown.
bool is_expected_ending(const error_code& ec) noexcept;

// Completion handler for co_spawn that reports an escaped exception and
// otherwise stays silent: the data plane handles its errors as error_codes.
struct log_exceptions {
  const char* what;
  void operator()(std::exception_ptr e) const;
};

}  // namespace throng
