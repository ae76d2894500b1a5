// The applicant's screen, served to the kiosk's full-screen browser over loopback only
// (127.0.0.1): Boost.Beast HTTP for the pages and the actions, and a WebSocket that pushes what
// the screen shows as it changes, with the camera's preview during the photo.
//   GET  /                     the pages (web_dir: index.html, app.js, style.css...)
//   GET  /api/messages/CODE    a language's message catalogue (messages_dir/CODE.json)
//   GET  /api/view             what the screen shows now, as JSON
//   POST /api/action           {"action": "...", ...}: 200 {"ok": true}, or 409 {"ok": false,
//                              "refusal": "message.key"}; 400 on a malformed request
//   GET  /api/speech?lang=CODE&text=...  the text spoken by espeak-ng in the language, as WAV
//   GET|POST /api/technician/NAME  technician mode (kiosk/technician/technician_desk.hpp), with
//                              the session's token in X-Technician-Token
//   GET  /api/live             WebSocket: text messages carry the view (JSON), binary ones a
//                              preview frame (JPEG); a client that falls behind misses frames,
//                              never views
// Requests must name the kiosk itself as Host (a page elsewhere cannot rebind a name to it), and
// actions and the WebSocket must come from the kiosk's own pages (Origin).
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace kiosk::ui {

struct UiServerConfig {
  std::uint16_t port = 8080;  // 0: any free port (tests)
  std::filesystem::path web_dir;
  std::filesystem::path messages_dir;
  std::filesystem::path espeak = "/usr/bin/espeak-ng";
};

// What the server asks of the kiosk; all called on the executor.
struct UiHandlers {
  std::function<nlohmann::json()> view;
  // Returns an empty string when done, or the refusal's message key.
  std::function<std::string(const nlohmann::json& request)> act;
  // Technician mode: method, NAME, the JSON body (null when none) and the token; returns the HTTP
  // status and the JSON body. Unset: 404.
  std::function<std::pair<int, nlohmann::json>(std::string_view method, std::string_view name,
                                               const nlohmann::json& body, std::string_view token)>
      technician;
};

class UiServer {
 public:
  UiServer(boost::asio::any_io_executor executor, UiServerConfig config, UiHandlers handlers);
  ~UiServer();
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  // Binds 127.0.0.1:port and starts serving; the error names what failed.
  std::expected<void, std::string> start();
  std::uint16_t port() const;
  std::string address() const;  // "http://127.0.0.1:PORT/"
  void stop();

  // To every connected screen: the view, and (during the photo) the camera's preview.
  void publish(const nlohmann::json& view);
  void publish_frame(std::string jpeg);
  // A picture (BGR) for the screen, 640 px wide and encoded only when a screen is watching: a
  // camera frame mirrored (`mirror`), as people expect to see themselves; the photo taken as it is.
  void publish_preview(const cv::Mat& frame, bool mirror = true);
  int screens() const;  // WebSocket clients connected

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace kiosk::ui
