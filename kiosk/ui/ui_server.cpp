// The applicant's screen over loopback; see ui_server.hpp.
#include "kiosk/ui/ui_server.hpp"

#include <sys/random.h>

#include <deque>
#include <fstream>
#include <set>

#include <boost/beast/websocket.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <openssl/crypto.h>

#include "config/log.hpp"
#include "kiosk/session/record.hpp"
#include "kiosk/session/session.hpp"
#include "kiosk/ui/receipt.hpp"
#include "kiosk/ui/speech.hpp"
#include "sync/accept_pause.hpp"
#include "sync/net.hpp"

namespace kiosk::ui {
namespace {

namespace asio = sync::asio;
namespace beast = sync::beast;
namespace http = sync::http;
namespace websocket = beast::websocket;
using sync::std_view;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr std::size_t kMaxStaticBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxQueuedFrames = 1;  // per screen: a slow screen sees the latest frame only

std::string_view content_type(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxStaticBytes || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return bytes;
}

// "a%20b+c" -> "a b c"; nullopt on a broken escape.
std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        return std::nullopt;
      }
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// 128 bits from the kernel's generator, as hex.
std::string random_token() {
  unsigned char bytes[16];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) throw std::runtime_error("no randomness for the page token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) hex += {kHex[b >> 4], kHex[b & 15]};
  return hex;
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> query;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return query;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (key && value) query[*key] = *value;
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return query;
}

// One WebSocket screen: messages go out one at a time, in order; frames only while none wait.
struct Screen : std::enable_shared_from_this<Screen> {
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::pair<bool, std::shared_ptr<const std::string>>> queue;  // binary?, bytes
  bool writing = false;
  bool closed = false;

  explicit Screen(websocket::stream<beast::tcp_stream> stream) : ws(std::move(stream)) {}

  void send(bool binary, std::shared_ptr<const std::string> bytes) {
    if (closed) return;
    if (binary) {
      const auto frames = std::count_if(queue.begin(), queue.end(), [](const auto& m) { return m.first; });
      if (static_cast<std::size_t>(frames) >= kMaxQueuedFrames) return;  // behind: skip this frame
    }
    queue.emplace_back(binary, std::move(bytes));
    if (!writing) write_next();
  }

  void write_next() {
    if (queue.empty() || closed) {
      writing = false;
      return;
    }
    writing = true;
    ws.binary(queue.front().first);
    ws.async_write(asio::buffer(*queue.front().second),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (ec) {
                       self->closed = true;
                       return;
                     }
                     self->queue.pop_front();
                     self->write_next();
                   });
  }
};

}  // namespace

struct UiServer::Impl : std::enable_shared_from_this<Impl> {
  asio::any_io_executor executor;
  UiServerConfig config;
  UiHandlers handlers;
  asio::ip::tcp::acceptor acceptor;
  std::set<std::shared_ptr<Screen>> screens;
  SpeechCache speech;
  asio::thread_pool speech_pool{1};  // espeak-ng takes a tenth of a second: off the loop
  std::shared_ptr<spdlog::logger> log = log::get("ui");
  // Handed to the kiosk's own pages inside their HTML and asked back with every request that
  // reads the applicant's data or acts for them: a process that merely knows the port and the
  // Host to send has no way to it but the page, which the kiosk's browser alone shows.
  const std::string page_token = random_token();

  Impl(asio::any_io_executor e, UiServerConfig c, UiHandlers h)
      : executor(e), config(std::move(c)), handlers(std::move(h)), acceptor(e), speech(config.espeak) {}

  std::uint16_t port() const {
    boost::system::error_code ec;
    return acceptor.local_endpoint(ec).port();
  }

  // The kiosk itself, by address or name: anything else is a page elsewhere trying its luck.
  bool host_is_kiosk(const Request& r) const {
    const std::string host(std_view(r[http::field::host]));
    const std::string p = std::to_string(port());
    return host == "127.0.0.1:" + p || host == "localhost:" + p;
  }
  bool has_page_token(std::string_view given) const {
    return given.size() == page_token.size() &&
           CRYPTO_memcmp(given.data(), page_token.data(), page_token.size()) == 0;
  }
  bool from_kiosk_page(const Request& r) const { return has_page_token(std_view(r["X-Kiosk-Token"])); }

  bool origin_is_kiosk(const Request& r) const {
    const std::string origin(std_view(r[http::field::origin]));
    const std::string p = std::to_string(port());
    return origin == "http://127.0.0.1:" + p || origin == "http://localhost:" + p;
  }

  Response reply(const Request& request, http::status status, std::string body,
                 std::string_view type = "text/plain; charset=utf-8") {
    Response r{status, request.version()};
    r.set(http::field::content_type, std::string(type));
    r.set(http::field::cache_control, "no-store");
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Referrer-Policy", "no-referrer");
    r.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self' ws: ; "
          "frame-ancestors 'none'");
    r.keep_alive(request.keep_alive());
    r.body() = std::move(body);
    r.prepare_payload();
    return r;
  }
  Response json_reply(const Request& request, http::status status, const nlohmann::json& body) {
    return reply(request, status, body.dump(), "application/json; charset=utf-8");
  }

  Response static_file(const Request& request, std::string_view path) {
    if (path == "/") path = "/index.html";
    const std::filesystem::path relative = std::filesystem::path(std::string(path.substr(1))).lexically_normal();
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
      return reply(request, http::status::not_found, "not found\n");
    }
    auto bytes = read_file(config.web_dir / relative);
    if (!bytes) return reply(request, http::status::not_found, "not found\n");
    if (relative.extension() == ".html") {
      constexpr std::string_view kSlot = R"(<meta name="kiosk-token" content="">)";
      if (const auto at = bytes->find(kSlot); at != std::string::npos) {
        bytes->replace(at, kSlot.size(), R"(<meta name="kiosk-token" content=")" + page_token + R"(">)");
      }
    }
    return reply(request, http::status::ok, *bytes, content_type(relative));
  }

  Response messages(const Request& request, std::string_view code) {
    if (!app::language_from_code(code)) return reply(request, http::status::not_found, "no such language\n");
    const auto bytes = read_file(config.messages_dir / (std::string(code) + ".json"));
    if (!bytes) return reply(request, http::status::internal_server_error, "the catalogue cannot be read\n");
    return reply(request, http::status::ok, *bytes, "application/json; charset=utf-8");
  }

  Response action(const Request& request) {
    if (!origin_is_kiosk(request) || !from_kiosk_page(request)) {
      return reply(request, http::status::forbidden, "not from the kiosk's pages\n");
    }
    const nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object() || !body.contains("action") || !body["action"].is_string()) {
      return json_reply(request, http::status::bad_request, {{"ok", false}, {"refusal", "session.bad_request"}});
    }
    std::string refusal;
    try {
      refusal = handlers.act(body);
    } catch (const nlohmann::json::exception&) {
      refusal = "session.bad_request";
    }
    if (refusal.empty()) return json_reply(request, http::status::ok, {{"ok", true}});
    const auto status = refusal == "session.bad_request" ? http::status::bad_request : http::status::conflict;
    return json_reply(request, status, {{"ok", false}, {"refusal", refusal}});
  }

  asio::awaitable<Response> spoken(const Request& request, std::string_view target) {
    auto query = query_of(target);
    const auto language = app::language_from_code(query["lang"]);
    if (!language) co_return reply(request, http::status::not_found, "no such language\n");
    const std::string text = query["text"];
    if (text.empty() || text.size() > kMaxSpokenText) {
      co_return reply(request, http::status::bad_request, "nothing to say, or too much\n");
    }
    co_await asio::post(speech_pool, asio::use_awaitable);
    auto wav = speech.speak(app::info(*language).speech_voice, text);
    co_await asio::post(executor, asio::use_awaitable);
    if (!wav) {
      log->error("speech: {}", wav.error());
      co_return reply(request, http::status::service_unavailable, "no speech\n");
    }
    co_return reply(request, http::status::ok, std::move(*wav), "audio/wav");
  }

  Response technician(const Request& request, std::string_view name) {
    if (!handlers.technician) return reply(request, http::status::not_found, "not found\n");
    const bool post = request.method() == http::verb::post;
    if (!post && request.method() != http::verb::get) {
      return reply(request, http::status::method_not_allowed, "method not allowed\n");
    }
    if (post && !origin_is_kiosk(request)) return reply(request, http::status::forbidden, "not from the kiosk's pages\n");
    const nlohmann::json body = post ? nlohmann::json::parse(request.body(), nullptr, false) : nlohmann::json();
    auto [status, answer] = handlers.technician(post ? "POST" : "GET", name, body,
                                                std_view(request["X-Technician-Token"]));
    return json_reply(request, static_cast<http::status>(status), answer);
  }

  // The receipt's QR code; only a tracking code is drawn.
  Response qr(const Request& request, std::string_view target) {
    const std::string code = app::canonical_tracking_code(query_of(target)["code"]);
    if (code.empty()) return reply(request, http::status::not_found, "not a tracking code\n");
    auto svg = qr_svg(code);
    if (!svg) return reply(request, http::status::internal_server_error, svg.error() + "\n");
    return reply(request, http::status::ok, std::move(*svg), "image/svg+xml");
  }

  asio::awaitable<Response> handle(const Request& request) {
    if (!host_is_kiosk(request)) co_return reply(request, http::status::forbidden, "wrong host\n");
    const std::string target(std_view(request.target()));
    const std::string_view path = std::string_view(target).substr(0, target.find('?'));
    if (request.method() == http::verb::post && path == "/api/action") co_return action(request);
    if (path.starts_with("/api/technician/")) co_return technician(request, path.substr(16));
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      co_return reply(request, http::status::method_not_allowed, "method not allowed\n");
    }
    if (path == "/api/view") {
      if (!from_kiosk_page(request)) co_return reply(request, http::status::forbidden, "not from the kiosk's pages\n");
      co_return json_reply(request, http::status::ok, handlers.view());
    }
    if (path.starts_with("/api/messages/")) co_return messages(request, path.substr(14));
    if (path == "/api/speech") co_return co_await spoken(request, target);
    if (path == "/api/receipt/qr.svg") co_return qr(request, target);
    if (path.starts_with("/api/")) co_return reply(request, http::status::not_found, "not found\n");
    co_return static_file(request, path);
  }

  asio::awaitable<void> live(beast::tcp_stream stream, Request request) {
    auto self = shared_from_this();
    if (!host_is_kiosk(request) || !origin_is_kiosk(request) ||
        !has_page_token(query_of(std_view(request.target()))["token"])) {
      co_return;
    }
    stream.expires_never();
    auto screen = std::make_shared<Screen>(websocket::stream<beast::tcp_stream>(std::move(stream)));
    screen->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    screen->ws.read_message_max(4096);
    beast::error_code ec;
    co_await screen->ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    screens.insert(screen);
    screen->send(false, std::make_shared<const std::string>(handlers.view().dump()));
    // The screen says nothing over the socket (actions are POSTed); read until it closes.
    beast::flat_buffer buffer;
    while (!ec) {
      co_await screen->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      buffer.clear();
    }
    screen->closed = true;
    screens.erase(screen);
  }

  asio::awaitable<void> connection(beast::tcp_stream stream) {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      stream.expires_after(std::chrono::seconds(30));
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxRequestBytes);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      Request request = parser.release();
      if (websocket::is_upgrade(request)) {
        const std::string_view target = std_view(request.target());
        if (target.substr(0, target.find('?')) == "/api/live") co_await live(std::move(stream), std::move(request));
        co_return;
      }
      Response response = co_await handle(request);
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !response.keep_alive()) break;
    }
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    sync::AcceptPause pause(log, "the screen server");
    for (;;) {
      beast::error_code ec;
      asio::ip::tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        co_await pause.after_failure(ec);
        continue;
      }
      pause.after_success();
      asio::co_spawn(executor, connection(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }
};

UiServer::UiServer(boost::asio::any_io_executor executor, UiServerConfig config, UiHandlers handlers)
    : impl_(std::make_shared<Impl>(executor, std::move(config), std::move(handlers))) {}

UiServer::~UiServer() { stop(); }

std::expected<void, std::string> UiServer::start() {
  Impl& i = *impl_;
  if (!std::filesystem::is_regular_file(i.config.web_dir / "index.html")) {
    return std::unexpected("the UI's pages are not in " + i.config.web_dir.string());
  }
  boost::system::error_code ec;
  const asio::ip::tcp::endpoint endpoint(asio::ip::address_v4::loopback(), i.config.port);
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("cannot listen on 127.0.0.1:" + std::to_string(i.config.port) + ": " + ec.message());
  asio::co_spawn(i.executor, i.accept_loop(), asio::detached);
  return {};
}

std::uint16_t UiServer::port() const { return impl_->port(); }

std::string UiServer::address() const { return "http://127.0.0.1:" + std::to_string(port()) + "/"; }

void UiServer::stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& screen : impl_->screens) {
    screen->closed = true;
    beast::get_lowest_layer(screen->ws).socket().close(ec);
  }
  impl_->screens.clear();
}

void UiServer::publish(const nlohmann::json& view) {
  auto bytes = std::make_shared<const std::string>(view.dump());
  for (const auto& screen : impl_->screens) screen->send(false, bytes);
}

void UiServer::publish_frame(std::string jpeg) {
  if (impl_->screens.empty()) return;
  auto bytes = std::make_shared<const std::string>(std::move(jpeg));
  for (const auto& screen : impl_->screens) screen->send(true, bytes);
}

void UiServer::publish_preview(const cv::Mat& frame, bool mirror) {
  if (impl_->screens.empty() || frame.empty()) return;
  cv::Mat small;
  cv::resize(frame, small, cv::Size(640, 640 * frame.rows / std::max(1, frame.cols)), 0, 0,
             frame.cols > 640 ? cv::INTER_AREA : cv::INTER_CUBIC);
  if (mirror) cv::flip(small, small, 1);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", small, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70});
  publish_frame(std::string(jpeg.begin(), jpeg.end()));
}

int UiServer::screens() const { return static_cast<int>(impl_->screens.size()); }

}  // namespace kiosk::ui
