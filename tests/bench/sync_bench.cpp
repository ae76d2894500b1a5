// Speed of the way out: sealing and queueing a 5 MB packet (beside writing the same bytes
// durably), the outbox with 10,000 packets waiting (beside an almost empty one), and upload
// throughput on loopback (beside curl sending the same bytes to the same server).
// Usage: sync_bench [--dir DIR]   (DIR: where the outboxes go; default a folder in /tmp)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "sync/outbox.hpp"
#include "sync/packet.hpp"
#include "sync/server/office_server.hpp"
#include "sync/server/office_store.hpp"
#include "sync/storage.hpp"
#include "sync/tus.hpp"
#include "sync/uploader.hpp"
#include "tests/bench/bench_support.hpp"
#include "config/log.hpp"

#include <cstring>

namespace {

using namespace kiosk::sync;
using kiosk::bench::median;
using Steady = std::chrono::steady_clock;

double ms_since(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const auto v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

int run(const std::filesystem::path& root) {
  const auto pki = root / "pki";
  const std::string pki_command = std::string(KIOSK_SOURCE_DIR) + "/tools/make-sim-pki " +
                                  pki.string() + " BENCH >/dev/null";
  if (std::system(pki_command.c_str()) != 0) return 1;
  auto sealer = Sealer::load(pki / "kiosk-BENCH.pem", pki / "kiosk-BENCH.key",
                             pki / "office-packet.pem", "BENCH");
  if (!sealer) {
    std::fprintf(stderr, "%s\n", sealer.error().c_str());
    return 1;
  }
  OutboxLimits roomy;
  roomy.reserve_bytes = 0;
  roomy.quota_bytes = std::uint64_t{1} << 40;

  // 1. Seal + enqueue 5 MB, against writing 5 MB durably.
  {
    auto outbox = Outbox::open(root / "outbox-seal", roomy);
    if (!outbox) return std::fprintf(stderr, "%s\n", outbox.error().c_str()), 1;
    const std::string documents = random_bytes(4 << 20, 1), record = random_bytes(1 << 20, 2);
    std::vector<double> seal_ms, total_ms, write_ms;
    for (int i = 0; i < 15; ++i) {
      PacketContents c{new_packet_id(), {{"service", "visa-C"}},
                       {{"enrolment.an2", "application/vnd.ansi-nist-itl", record},
                        {"documents.pdf", "application/pdf", documents}}};
      auto start = Steady::now();
      auto sealed = sealer->seal(c);
      seal_ms.push_back(ms_since(start));
      if (!sealed || !outbox->enqueue(*sealed)) return 1;
      total_ms.push_back(ms_since(start));
      start = Steady::now();
      if (!storage::write_durably(root / "plain.bin", sealed->bytes)) return 1;
      write_ms.push_back(ms_since(start));
    }
    std::printf("seal and enqueue a 5 MB packet (15 runs)          median ms   ratio\n");
    std::printf("  write the same bytes durably (baseline)         %9.2f   %5.2f\n", median(write_ms), 1.0);
    std::printf("  seal (tar, sign, AES-256-GCM)                   %9.2f   %5.2f\n", median(seal_ms), median(seal_ms) / median(write_ms));
    std::printf("  seal + enqueue                                  %9.2f   %5.2f\n", median(total_ms), median(total_ms) / median(write_ms));
  }

  // 2. The outbox with 100 and with 10,000 packets waiting.
  {
    const std::string small = random_bytes(1024, 3);
    auto measure = [&](const std::filesystem::path& dir, int waiting) -> std::array<double, 3> {
      auto outbox = Outbox::open(dir, roomy);
      if (!outbox) std::exit(1);
      for (int i = 0; i < waiting; ++i) {
        outbox->enqueue({"w" + std::to_string(i), small, sha256_hex(small)});
      }
      std::vector<double> enqueue_ms, next_ms, ack_ms;
      for (int i = 0; i < 50; ++i) {
        const std::string id = "m" + std::to_string(i);
        auto start = Steady::now();
        outbox->enqueue({id, small, sha256_hex(small)});
        enqueue_ms.push_back(ms_since(start));
        start = Steady::now();
        auto due = outbox->next_due();
        next_ms.push_back(ms_since(start));
        start = Steady::now();
        outbox->acknowledge(id);
        ack_ms.push_back(ms_since(start));
        if (!due || !*due) std::exit(1);
      }
      return {median(enqueue_ms), median(next_ms), median(ack_ms)};
    };
    const auto few = measure(root / "outbox-100", 100);
    const auto many = measure(root / "outbox-10000", 10000);
    std::printf("\noutbox operations (50 each)     100 waiting ms   10,000 waiting ms   ratio\n");
    const char* names[] = {"enqueue", "next due", "acknowledge"};
    for (int i = 0; i < 3; ++i) {
      std::printf("  %-28s %12.3f   %17.3f   %5.2f\n", names[i], few[i], many[i], many[i] / few[i]);
    }
  }

  // 3. Upload throughput on loopback, against curl sending the same bytes to the same server.
  {
    auto opener = PacketOpener::load(pki / "office-packet.pem", pki / "office-packet.key", pki / "ca.pem");
    auto store = OfficeStore::open(root / "office", std::move(*opener));
    if (!store) return std::fprintf(stderr, "%s\n", store.error().c_str()), 1;
    asio::io_context server_io;
    OfficeServerConfig sc;
    sc.port = 0;
    sc.certificate = pki / "office-tls.pem";
    sc.key = pki / "office-tls.key";
    sc.client_ca = pki / "ca.pem";
    OfficeServer server(server_io.get_executor(), sc, *store);
    if (auto ok = server.start(); !ok) return std::fprintf(stderr, "%s\n", ok.error().c_str()), 1;
    std::thread server_thread([&] {
      auto guard = asio::make_work_guard(server_io);
      server_io.run();
    });
    auto outbox = Outbox::open(root / "outbox-upload", roomy);
    asio::io_context io;
    UploaderConfig uc;
    uc.office.port = std::to_string(server.port());
    uc.office.office_ca = pki / "ca.pem";
    uc.office.certificate = pki / "kiosk-BENCH.pem";
    uc.office.key = pki / "kiosk-BENCH.key";
    uc.chunk_bytes = std::size_t{4} << 20;
    Uploader uploader(io.get_executor(), *outbox, uc);
    if (!uploader.load()) return 1;
    std::vector<double> ours, curls;
    std::size_t size = 0;
    for (int round = 0; round < 5; ++round) {
      PacketContents c{new_packet_id(), {}, {{"documents.pdf", "application/pdf", random_bytes(20 << 20, 10 + round)}}};
      auto sealed = sealer->seal(c);
      size = sealed->bytes.size();
      outbox->enqueue(*sealed);
      const auto entry = **outbox->find(sealed->id);
      auto start = Steady::now();
      bool done = false;
      asio::co_spawn(io, uploader.send(entry), [&](std::exception_ptr, Expected<void> r) {
        done = r.has_value();
      });
      io.restart();
      io.run();
      if (!done) return std::fprintf(stderr, "upload failed\n"), 1;
      ours.push_back(ms_since(start));

      // The same bytes through curl: a second packet id, so the server does the same work.
      PacketContents c2 = c;
      c2.id = new_packet_id();
      auto sealed2 = sealer->seal(c2);
      const auto file = root / "curl.cms";
      std::ofstream(file, std::ios::binary) << sealed2->bytes;
      const std::string common = "curl -s -o /dev/null --fail --cacert " + (pki / "ca.pem").string() +
                                 " --cert " + (pki / "kiosk-BENCH.pem").string() + " --key " +
                                 (pki / "kiosk-BENCH.key").string() + " -H 'Tus-Resumable: 1.0.0' -H 'Expect:' ";
      const std::string url = "https://localhost:" + std::to_string(server.port());
      const std::string create = common + "-X POST -H 'Upload-Length: " + std::to_string(sealed2->bytes.size()) +
                                 "' -H 'Upload-Metadata: " +
                                 tus::encode_metadata({{"packet_id", c2.id}, {"sha256", sealed2->sha256}}) +
                                 "' " + url + "/files";
      const std::string patch = common + "-X PATCH -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' --data-binary @" +
                                file.string() + " " + url + "/files/" + c2.id;
      start = Steady::now();
      if (std::system((create + " && " + patch).c_str()) != 0) return std::fprintf(stderr, "curl failed\n"), 1;
      curls.push_back(ms_since(start));
    }
    server_io.stop();
    server_thread.join();
    const double mb = static_cast<double>(size) / (1 << 20);
    std::printf("\nupload a %.0f MB packet on loopback (5 runs)      median ms   MB/s   ratio\n", mb);
    std::printf("  curl, one PATCH (baseline)                      %9.1f  %5.0f   %5.2f\n", median(curls), mb / median(curls) * 1000, 1.0);
    std::printf("  uploader, 4 MB chunks with checksums            %9.1f  %5.0f   %5.2f\n", median(ours), mb / median(ours) * 1000, median(curls) / median(ours));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  kiosk::log::init("warn");
  std::filesystem::path root;
  if (argc == 3 && std::string_view(argv[1]) == "--dir") {
    root = argv[2];
  } else {
    std::string pattern = "/tmp/sync-bench-XXXXXX";
    root = mkdtemp(pattern.data());
  }
  std::filesystem::create_directories(root);
  const int rc = run(root);
  std::error_code ec;
  if (argc != 3) std::filesystem::remove_all(root, ec);
  return rc;
}
