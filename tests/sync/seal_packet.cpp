// Seals one packet of random bytes into a kiosk's outbox, for the conformance tests that send it
// with stock tus peers; prints its id and SHA-256, and writes the sealed bytes to OUT when given.
// Usage: seal_packet OUTBOX PKI KIOSK-ID BYTES [OUT]
#include <cstdio>
#include <string>

#include "sync/outbox.hpp"
#include "sync/packet.hpp"
#include "sync/storage.hpp"
#include "tests/support/sim_kiosk.hpp"

int main(int argc, char** argv) {
  using namespace kiosk::sync;
  if (argc != 5 && argc != 6) {
    std::fputs("usage: seal_packet OUTBOX PKI KIOSK-ID BYTES [OUT]\n", stderr);
    return 2;
  }
  const std::filesystem::path pki = argv[2];
  const std::string kiosk = argv[3];
  const std::size_t size = std::stoul(argv[4]);
  auto outbox = kiosk::testing::roomy_outbox(argv[1]);
  auto sealer = kiosk::testing::kiosk_sealer(pki, kiosk);
  if (!outbox || !sealer) {
    std::fprintf(stderr, "seal_packet: %s\n", (!outbox ? outbox.error() : sealer.error()).c_str());
    return 1;
  }
  const std::string bytes = kiosk::testing::random_bytes(size, static_cast<unsigned>(size));
  const std::string id = new_packet_id();
  auto sealed = sealer->seal({id, {{"service", "visa-C"}}, {{"part.bin", "application/octet-stream", bytes}}});
  if (!sealed) {
    std::fprintf(stderr, "seal_packet: %s\n", sealed.error().c_str());
    return 1;
  }
  if (auto ok = outbox->enqueue(*sealed); !ok) {
    std::fprintf(stderr, "seal_packet: %s\n", ok.error().c_str());
    return 1;
  }
  if (argc == 6) {
    if (auto ok = storage::write_durably(argv[5], sealed->bytes); !ok) {
      std::fprintf(stderr, "seal_packet: %s\n", ok.error().c_str());
      return 1;
    }
  }
  std::printf("%s %s %zu\n", sealed->id.c_str(), sealed->sha256.c_str(), sealed->bytes.size());
  return 0;
}
