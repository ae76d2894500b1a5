// Boost.Asio and Beast as the sync code uses them: coroutines (awaitable), TLS streams, HTTP.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <string_view>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace kiosk::sync {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Beast 1.74 speaks boost::string_view.
inline std::string_view std_view(beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace kiosk::sync
