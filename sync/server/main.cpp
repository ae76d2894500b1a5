// kiosk-office: the central office's server and tools.
//   kiosk-office serve --store DIR --pki DIR [--address 127.0.0.1] [--port 8443]
//                      [--index postgresql://…]
//   kiosk-office open PACKET --pki DIR [--extract DIR]
//   kiosk-office status CODE [STATE] --store DIR --pki DIR   an application's state, or set it
//   kiosk-office kiosks --store DIR --pki DIR                each kiosk's latest heartbeat
//   kiosk-office publish BUNDLE.json --store DIR --pki DIR   sign and serve a configuration
// --pki names a folder as tools/make-sim-pki makes it: office-tls.pem/.key (HTTPS),
// office-packet.pem/.key (opens packets), ca.pem (certifies kiosks). --index (any command with
// --store) keeps the index in PostgreSQL instead of DIR/office.db; a password belongs in libpq's
// password file (~/.pgpass, PGPASSFILE), not on the command line.
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>

#include "config/log.hpp"
#include "config/number_text.hpp"
#include "sync/server/office_server.hpp"
#include "sync/config_bundle.hpp"
#include "sync/storage.hpp"

namespace {

using namespace kiosk::sync;

constexpr const char* kUsage =
    "usage: kiosk-office serve --store DIR --pki DIR [--address 127.0.0.1] [--port 8443]\n"
    "                          [--index postgresql://USER@HOST/DB]\n"
    "       kiosk-office open PACKET --pki DIR [--extract DIR]\n"
    "       kiosk-office status CODE [STATE] --store DIR --pki DIR\n"
    "       kiosk-office kiosks --store DIR --pki DIR\n"
    "       kiosk-office publish BUNDLE.json --store DIR --pki DIR\n"
    "STATE: open, under_review_at_mission, processing_at_ministry, awaiting_other_authorities,\n"
    "       in_post_to_mission, ready_for_pickup, completed, awaiting_documents, cancelled\n";

struct Options {
  std::string store, pki, address = "127.0.0.1", extract, index;
  unsigned short port = 8443;
  std::vector<std::string> rest;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--store" && value) o.store = argv[++i];
    else if (a == "--pki" && value) o.pki = argv[++i];
    else if (a == "--address" && value) o.address = argv[++i];
    else if (a == "--extract" && value) o.extract = argv[++i];
    else if (a == "--index" && value) o.index = argv[++i];
    else if (a == "--port" && value) {
      const auto port = kiosk::parse_integer(argv[++i], 0, 65535);
      if (!port) {
        std::fprintf(stderr, "kiosk-office: --port wants a port from 0 (any free one) to 65535, not %s\n", argv[i]);
        return false;
      }
      o.port = static_cast<unsigned short>(*port);
    }
    else if (a.starts_with("--")) return false;
    else o.rest.emplace_back(a);
  }
  return true;
}

Expected<PacketOpener> opener(const std::filesystem::path& pki) {
  return PacketOpener::load(pki / "office-packet.pem", pki / "office-packet.key", pki / "ca.pem");
}

int open_packet(const Options& o) {
  if (o.rest.size() != 1 || o.pki.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto packet_opener = opener(o.pki);
  if (!packet_opener) {
    std::fprintf(stderr, "kiosk-office: %s\n", packet_opener.error().c_str());
    return 1;
  }
  auto bytes = storage::read_file(o.rest[0]);
  if (!bytes) {
    std::fprintf(stderr, "kiosk-office: %s\n", bytes.error().c_str());
    return 1;
  }
  auto packet = packet_opener->open(*bytes);
  if (!packet) {
    std::fprintf(stderr, "kiosk-office: %s: %s\n", o.rest[0].c_str(), packet.error().c_str());
    return 1;
  }
  std::printf("%s: signed by %s, signature and every part's SHA-256 verified\n%s\n",
              o.rest[0].c_str(), packet->signer.c_str(), packet->manifest.dump(2).c_str());
  if (!o.extract.empty()) {
    std::filesystem::create_directories(o.extract);
    for (const PacketPart& part : packet->parts) {
      if (auto ok = storage::write_durably(std::filesystem::path(o.extract) / part.name, part.bytes); !ok) {
        std::fprintf(stderr, "kiosk-office: %s\n", ok.error().c_str());
        return 1;
      }
    }
    std::printf("%zu parts written to %s\n", packet->parts.size(), o.extract.c_str());
  }
  return 0;
}

Expected<OfficeStore> open_store(const Options& o) {
  if (o.store.empty() || o.pki.empty()) return std::unexpected(std::string("--store and --pki are needed"));
  auto packet_opener = opener(o.pki);
  if (!packet_opener) return std::unexpected(packet_opener.error());
  return OfficeStore::open(o.store, std::move(*packet_opener), {}, o.index);
}

int status(const Options& o) {
  if (o.rest.empty() || o.rest.size() > 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto store = open_store(o);
  if (!store) {
    std::fprintf(stderr, "kiosk-office: %s\n", store.error().c_str());
    return 1;
  }
  if (o.rest.size() == 2) {
    const auto state = application_state(o.rest[1]);
    if (!state) {
      std::fprintf(stderr, "kiosk-office: '%s' is not a state\n%s", o.rest[1].c_str(), kUsage);
      return 2;
    }
    if (auto ok = store->set_application_state(o.rest[0], *state); !ok) {
      std::fprintf(stderr, "kiosk-office: %s\n", ok.error().c_str());
      return 1;
    }
  }
  const auto application = store->application(o.rest[0]);
  if (!application) {
    std::fprintf(stderr, "kiosk-office: no application with tracking code %s\n", o.rest[0].c_str());
    return 1;
  }
  std::printf("%s: %.*s since %s\n", application->tracking_code.c_str(),
              static_cast<int>(to_string(application->state).size()),
              to_string(application->state).data(), application->updated_at.c_str());
  return 0;
}

int kiosks(const Options& o) {
  auto store = open_store(o);
  if (!store) {
    std::fprintf(stderr, "kiosk-office: %s\n", store.error().c_str());
    return 1;
  }
  for (const auto& beat : store->heartbeats()) {
    std::printf("%s  last heard %s  %s\n", beat.kiosk.c_str(), beat.received_at.c_str(),
                beat.report.c_str());
  }
  return 0;
}

int publish(const Options& o) {
  if (o.rest.size() != 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto store = open_store(o);
  auto text = storage::read_file(o.rest[0]);
  if (!store || !text) {
    std::fprintf(stderr, "kiosk-office: %s\n", (!store ? store.error() : text.error()).c_str());
    return 1;
  }
  const auto settings = nlohmann::json::parse(*text, nullptr, false, /*ignore_comments=*/true);
  if (settings.is_discarded()) {
    std::fprintf(stderr, "kiosk-office: %s is not JSON\n", o.rest[0].c_str());
    return 1;
  }
  const std::filesystem::path pki = o.pki;
  auto signed_bytes = sign_bundle(settings, pki / "office-sign.pem", pki / "office-sign.key");
  if (!signed_bytes) {
    std::fprintf(stderr, "kiosk-office: %s\n", signed_bytes.error().c_str());
    return 1;
  }
  const auto version = settings["version"].get<std::int64_t>();
  if (auto ok = store->publish_bundle(version, *signed_bytes); !ok) {
    std::fprintf(stderr, "kiosk-office: %s\n", ok.error().c_str());
    return 1;
  }
  std::printf("configuration version %lld signed and published\n", static_cast<long long>(version));
  return 0;
}

int serve(const Options& o) {
  if (o.store.empty() || o.pki.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::filesystem::path pki = o.pki;
  auto packet_opener = opener(pki);
  if (!packet_opener) {
    std::fprintf(stderr, "kiosk-office: %s\n", packet_opener.error().c_str());
    return 1;
  }
  auto store = OfficeStore::open(o.store, std::move(*packet_opener), {}, o.index);
  if (!store) {
    std::fprintf(stderr, "kiosk-office: %s\n", store.error().c_str());
    return 1;
  }
  asio::io_context io;
  OfficeServerConfig config;
  config.address = o.address;
  config.port = o.port;
  config.certificate = pki / "office-tls.pem";
  config.key = pki / "office-tls.key";
  config.client_ca = pki / "ca.pem";
  OfficeServer server(io.get_executor(), config, *store);
  if (auto ok = server.start(); !ok) {
    std::fprintf(stderr, "kiosk-office: %s\n", ok.error().c_str());
    return 1;
  }
  std::printf("kiosk-office: listening on %s:%u, index in %s\n", o.address.c_str(), server.port(),
              store->index().c_str());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) {
    server.stop();
    io.stop();
  });
  asio::steady_timer sweep(io);
  std::function<void()> expire = [&] {
    store->expire();
    sweep.expires_after(std::chrono::minutes(10));
    sweep.async_wait([&](auto ec) {
      if (!ec) expire();
    });
  };
  expire();
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  kiosk::log::init("info");
  Options o;
  if (argc < 2 || !parse(argc, argv, o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "serve") return serve(o);
  if (command == "open") return open_packet(o);
  if (command == "status") return status(o);
  if (command == "kiosks") return kiosks(o);
  if (command == "publish") return publish(o);
  std::fputs(kUsage, stderr);
  return 2;
}
