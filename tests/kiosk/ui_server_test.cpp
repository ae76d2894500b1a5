// The applicant's screen server: the pages, the catalogues and the actions for the kiosk's own
// browser, nothing for anyone else (another host name, another page's origin, a path out of the
// web folder), the view pushed over the WebSocket as it changes, speech as WAV, the receipt's QR.
#include "kiosk/ui/ui_server.hpp"

#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/beast/websocket.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kiosk/session/record.hpp"
#include "sync/net.hpp"
#include "tests/support/descriptors.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::ui {
namespace {

using namespace std::chrono_literals;
namespace asio = sync::asio;
namespace beast = sync::beast;
namespace http = sync::http;
namespace websocket = beast::websocket;
using ::testing::HasSubstr;

class UiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(web_);
    std::ofstream(web_ / "index.html")
        << R"(<!doctype html><meta name="kiosk-token" content=""><title>kiosk</title>)";
    std::ofstream(dir_ / "secret.txt") << "not for the browser";  // beside the web folder
    server_ = std::make_unique<UiServer>(
        io_.get_executor(),
        UiServerConfig{0, web_, KIOSK_SOURCE_DIR "/kiosk/messages"},
        UiHandlers{[this] {
                     std::lock_guard lock(mutex_);
                     return view_;
                   },
                   [this](const nlohmann::json& request) -> std::string {
                     std::lock_guard lock(mutex_);
                     actions_.push_back(request);
                     return request["action"] == "start" ? "" : "session.not_now";
                   },
                   nullptr});
    ASSERT_TRUE(server_->start());
    port_ = server_->port();
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
    // The token, as the kiosk's page gets it: inside its HTML.
    const std::string page = request(http::verb::get, "/").body();
    const std::string slot = R"(<meta name="kiosk-token" content=")";
    const auto at = page.find(slot);
    ASSERT_NE(at, std::string::npos) << page;
    token_ = page.substr(at + slot.size(), page.find('"', at + slot.size()) - at - slot.size());
    ASSERT_EQ(token_.size(), 32u);
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    thread_.join();
  }

  http::response<http::string_body> request(http::verb method, const std::string& target, std::string body = {},
                                            std::string host = {}, std::string origin = {},
                                            std::optional<std::string> token = std::nullopt) {
    asio::io_context client;
    beast::tcp_stream stream(client);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port_));
    http::request<http::string_body> r{method, target, 11};
    r.set(http::field::host, host.empty() ? "127.0.0.1:" + std::to_string(port_) : host);
    if (origin.empty()) origin = "http://127.0.0.1:" + std::to_string(port_);
    if (origin != "none") r.set(http::field::origin, origin);
    if (const std::string t = token.value_or(token_); !t.empty()) r.set("X-Kiosk-Token", t);
    r.body() = std::move(body);
    r.prepare_payload();
    http::write(stream, r);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response;
  }

  // The live view's WebSocket as the kiosk's page opens it (its Host and Origin), at `target`.
  websocket::stream<beast::tcp_stream> live(asio::io_context& client, const std::string& target,
                                            beast::error_code& ec) {
    websocket::stream<beast::tcp_stream> ws(client);
    beast::get_lowest_layer(ws).connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port_));
    const std::string origin = "http://127.0.0.1:" + std::to_string(port_);
    ws.set_option(websocket::stream_base::decorator(
        [origin](websocket::request_type& r) { r.set(http::field::origin, origin); }));
    ws.handshake("127.0.0.1:" + std::to_string(port_), target, ec);
    return ws;
  }

  testing::ScratchDir dir_;
  std::filesystem::path web_ = dir_ / "web";
  asio::io_context io_;
  std::unique_ptr<UiServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  nlohmann::json view_ = {{"step", "welcome"}};
  std::string token_;
  std::vector<nlohmann::json> actions_;
};

TEST_F(UiServerTest, ServesThePagesTheCataloguesAndTheView) {
  auto page = request(http::verb::get, "/");
  EXPECT_EQ(page.result_int(), 200);
  EXPECT_THAT(page.body(), HasSubstr("<title>kiosk</title>"));
  EXPECT_THAT(std::string(page[http::field::content_type]), HasSubstr("text/html"));
  EXPECT_THAT(std::string(page["Content-Security-Policy"]), HasSubstr("default-src 'self'"));

  auto arabic = request(http::verb::get, "/api/messages/ar");
  ASSERT_EQ(arabic.result_int(), 200);
  EXPECT_EQ(nlohmann::json::parse(arabic.body())["ui.cancel"], "إلغاء");
  EXPECT_EQ(request(http::verb::get, "/api/messages/xx").result_int(), 404);
  EXPECT_EQ(request(http::verb::get, "/api/messages/..%2f..%2fetc%2fpasswd").result_int(), 404);

  EXPECT_EQ(nlohmann::json::parse(request(http::verb::get, "/api/view").body())["step"], "welcome");
}

TEST_F(UiServerTest, NothingOutsideTheWebFolderAndNothingForOtherHostsOrPages) {
  EXPECT_EQ(request(http::verb::get, "/../secret.txt").result_int(), 404);
  EXPECT_EQ(request(http::verb::get, "/%2e%2e/secret.txt").result_int(), 404);
  EXPECT_EQ(request(http::verb::get, "/", {}, "attacker.example:" + std::to_string(port_)).result_int(), 403)
      << "a name rebound to 127.0.0.1 by another site gets nothing";
  EXPECT_EQ(request(http::verb::post, "/api/action", R"({"action":"start"})", {}, "http://attacker.example").result_int(), 403);
  EXPECT_EQ(request(http::verb::post, "/api/action", R"({"action":"start"})", {}, "none").result_int(), 403);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(actions_.empty()) << "no refused request reached the session";
}

// A local process with the right Host and Origin but not the page's token: no applicant data, no
// action, no live view.
TEST_F(UiServerTest, OnlyThePageThatCarriesTheTokenReadsTheViewOrActs) {
  for (const std::string& token : std::vector<std::string>{"", "0123456789abcdef0123456789abcdef", token_.substr(0, 31)}) {
    const auto view = request(http::verb::get, "/api/view", {}, {}, {}, token);
    EXPECT_EQ(view.result_int(), 403) << "token '" << token << "'";
    EXPECT_THAT(view.body(), ::testing::Not(HasSubstr("welcome")));
    EXPECT_EQ(request(http::verb::post, "/api/action", R"({"action":"start"})", {}, {}, token).result_int(), 403);
  }
  {
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(actions_.empty()) << "no action without the token reached the session";
  }
  asio::io_context client;
  beast::error_code ec;
  live(client, "/api/live", ec);
  EXPECT_TRUE(ec) << "the live view opened without the token";
  EXPECT_EQ(nlohmann::json::parse(request(http::verb::get, "/api/view").body())["step"], "welcome")
      << "with it, the view";
}

TEST_F(UiServerTest, ActionsReachTheSessionAndRefusalsComeBackWithTheirMessageKey) {
  auto done = request(http::verb::post, "/api/action", R"({"action":"start"})");
  EXPECT_EQ(done.result_int(), 200);
  EXPECT_EQ(nlohmann::json::parse(done.body())["ok"], true);
  auto refused = request(http::verb::post, "/api/action", R"({"action":"submit"})");
  EXPECT_EQ(refused.result_int(), 409);
  EXPECT_EQ(nlohmann::json::parse(refused.body())["refusal"], "session.not_now");
  EXPECT_EQ(request(http::verb::post, "/api/action", "not json").result_int(), 400);
  EXPECT_EQ(request(http::verb::post, "/api/action", R"({"what":"start"})").result_int(), 400);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(actions_.size(), 2u);
}

TEST_F(UiServerTest, TheWebSocketPushesTheViewAsItChanges) {
  asio::io_context client;
  beast::error_code ec;
  auto ws = live(client, "/api/live?token=" + token_, ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(nlohmann::json::parse(beast::buffers_to_string(buffer.data()))["step"], "welcome") << "the view at once";
  buffer.clear();

  asio::post(io_, [this] {
    server_->publish({{"step", "service"}});
    server_->publish_frame(std::string("\xff\xd8 a frame", 9));
  });
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(nlohmann::json::parse(beast::buffers_to_string(buffer.data()))["step"], "service");
  buffer.clear();
  ws.read(buffer);
  EXPECT_TRUE(ws.got_binary()) << "a preview frame";
  EXPECT_EQ(buffer.size(), 9u);
}

TEST_F(UiServerTest, SpeaksInTheLanguageAsked) {
  auto wav = request(http::verb::get, "/api/speech?lang=ru&text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82");
  ASSERT_EQ(wav.result_int(), 200) << wav.body();
  EXPECT_EQ(std::string(wav[http::field::content_type]), "audio/wav");
  EXPECT_EQ(wav.body().substr(0, 4), "RIFF");
  EXPECT_GT(wav.body().size(), 4000u) << "some sound, not an empty file";
  EXPECT_EQ(request(http::verb::get, "/api/speech?lang=xx&text=hello").result_int(), 404);
  EXPECT_EQ(request(http::verb::get, "/api/speech?lang=en&text=").result_int(), 400);
}

// Out of descriptors (idle connections filling a lowered limit): the accept loop waits instead of
// spinning a core, and the kiosk's browser is served again once descriptors free up.
TEST_F(UiServerTest, OutOfDescriptorsItWaitsAndServesAgainWhenTheyFreeUp) {
  testing::DescriptorsExhausted exhausted(port_);
  ASSERT_TRUE(exhausted.reached()) << "the lowered limit was never reached";
  std::this_thread::sleep_for(200ms);
  const auto spent_before = testing::process_cpu_time();
  std::this_thread::sleep_for(1s);
  EXPECT_LT(testing::process_cpu_time() - spent_before, 200ms) << "the accept loop spins";
  exhausted.release();
  bool served = false;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s;
       !served && std::chrono::steady_clock::now() < deadline;) {
    served = request(http::verb::get, "/").result_int() == 200;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served) << "the screen is not served after descriptors freed up";
}

TEST_F(UiServerTest, DrawsTheReceiptsQrCodeForATrackingCodeOnly) {
  const std::string code = app::new_tracking_code();
  auto svg = request(http::verb::get, "/api/receipt/qr.svg?code=" + code);
  ASSERT_EQ(svg.result_int(), 200);
  EXPECT_THAT(svg.body(), HasSubstr("<svg"));
  EXPECT_EQ(request(http::verb::get, "/api/receipt/qr.svg?code=hello").result_int(), 404);
}

}  // namespace
}  // namespace kiosk::ui
