// A kiosk reduced to its way out, for the kill test: seals COUNT packets named PREFIX-0... into
// the outbox (those not there yet), then uploads until every one is acknowledged, and exits 0.
// Usage: kiosk_sender OUTBOX PKI KIOSK-ID PORT PREFIX COUNT
#include <cstdio>
#include <string>

#include "config/log.hpp"
#include "sync/outbox.hpp"
#include "sync/packet.hpp"
#include "sync/uploader.hpp"
#include "tests/support/sim_kiosk.hpp"

int main(int argc, char** argv) {
  using namespace kiosk::sync;
  using namespace std::chrono_literals;
  if (argc != 7) {
    std::fputs("usage: kiosk_sender OUTBOX PKI KIOSK-ID PORT PREFIX COUNT\n", stderr);
    return 2;
  }
  kiosk::log::init("error");
  const std::filesystem::path pki = argv[2];
  const std::string kiosk = argv[3], prefix = argv[5];
  const int count = std::stoi(argv[6]);
  auto outbox = kiosk::testing::roomy_outbox(argv[1]);
  auto sealer = kiosk::testing::kiosk_sealer(pki, kiosk);
  if (!outbox || !sealer) {
    std::fprintf(stderr, "kiosk_sender: %s\n", (!outbox ? outbox.error() : sealer.error()).c_str());
    return 3;
  }
  for (int i = 0; i < count; ++i) {
    const std::string id = prefix + "-" + std::to_string(i);
    if (auto known = outbox->find(id); known && *known) continue;
    const std::string bytes = kiosk::testing::random_bytes(200 * 1024, static_cast<unsigned>(i));
    auto sealed = sealer->seal({id, {{"n", i}}, {{"part.bin", "application/octet-stream", bytes}}});
    if (!sealed || !outbox->enqueue(*sealed)) return 4;
  }
  asio::io_context io;
  UploaderConfig config;
  config.office.port = argv[4];
  config.office.office_ca = pki / "ca.pem";
  config.office.certificate = pki / ("kiosk-" + kiosk + ".pem");
  config.office.key = pki / ("kiosk-" + kiosk + ".key");
  config.chunk_bytes = 64 * 1024;
  config.backoff_first = 10ms;
  config.backoff_max = 100ms;
  config.idle_poll = 10ms;
  Uploader uploader(io.get_executor(), *outbox, config);
  if (auto ok = uploader.load(); !ok) return 5;
  uploader.start();
  asio::steady_timer check(io);
  std::function<void()> poll = [&] {
    const auto status = outbox->status();
    if (status && !status->oldest_waiting) {
      uploader.stop();
      io.stop();
      return;
    }
    check.expires_after(20ms);
    check.async_wait([&](auto ec) {
      if (!ec) poll();
    });
  };
  poll();
  io.run();
  return 0;
}
