// The central office against stock clients that we did not write: curl speaking tus 1.0 as the
// protocol is written (OPTIONS without Tus-Resumable, one PATCH for a whole packet, a refusal
// answered with a status), and openssl s_client caching its TLS session and resuming it. And a
// PATCH cut short, which keeps what arrived.
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync/office_connection.hpp"
#include "sync/packet.hpp"
#include "sync/storage.hpp"
#include "sync/tus.hpp"
#include "tests/support/descriptors.hpp"
#include "tests/support/office.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::sync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class OfficeInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::ScratchDir;
    testing::make_pki(pki_->path());
  }
  static void TearDownTestSuite() { delete pki_; }

  // curl as a kiosk (KIOSK-7's certificate), with the response's headers in its output.
  testing::ProgramRun curl(const std::string& args) {
    const auto& pki = pki_->path();
    return testing::run_program("curl -sS -i --max-time 60 --cacert " + (pki / "ca.pem").string() +
                                " --cert " + (pki / "kiosk-KIOSK-7.pem").string() + " --key " +
                                (pki / "kiosk-KIOSK-7.key").string() + " " + args);
  }
  std::string url(const std::string& path) const {
    return "https://localhost:" + std::to_string(office_.port()) + path;
  }

  SealedPacket seal(std::size_t size) { return testing::seal_random(pki_->path(), size); }

  // Announces `p` with curl; the upload's path.
  std::string announce(const SealedPacket& p) {
    const auto r = curl("-X POST -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: " +
                        std::to_string(p.bytes.size()) + "' -H 'Upload-Metadata: " +
                        tus::encode_metadata({{"packet_id", p.id}, {"sha256", p.sha256}}) + "' " +
                        url("/files"));
    EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 201")) << r.output;
    return "/files/" + p.id;
  }

  std::optional<UploadInfo> office_view(const std::string& id) {
    return office_.on_server([&](OfficeStore& s) -> std::optional<UploadInfo> {
      const auto r = s.head(id);
      return r.outcome == StoreOutcome::kOk ? std::optional(r.info) : std::nullopt;
    });
  }

  // Sends raw bytes over a kiosk's TLS connection, then ends TLS and closes, reading what the
  // office sent (its session tickets) so that the close is orderly and no byte is lost to a reset.
  void send_and_hang_up(const std::string& bytes) {
    OfficeEndpoint e;
    e.port = std::to_string(office_.port());
    e.office_ca = pki_->path() / "ca.pem";
    e.certificate = pki_->path() / "kiosk-KIOSK-7.pem";
    e.key = pki_->path() / "kiosk-KIOSK-7.key";
    auto tls = make_office_tls(e);
    ASSERT_TRUE(tls.has_value()) << tls.error();
    asio::io_context io;
    TlsStream stream(io, **tls);
    beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), office_.port()});
    stream.handshake(ssl::stream_base::client);
    asio::write(stream, asio::buffer(bytes));
    beast::error_code ec;
    stream.shutdown(ec);  // close_notify out, and the office's read to its end
    beast::get_lowest_layer(stream).close();
  }

  static inline testing::ScratchDir* pki_ = nullptr;
  testing::ScratchDir office_dir_;
  testing::ScratchDir scratch_;
  testing::Office office_{pki_->path(), office_dir_.path()};
};

TEST_F(OfficeInterop, OptionsNeedsNoTusResumableAndTellsTheLargestPacket) {
  const auto r = curl("-X OPTIONS " + url("/files"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 204"));
  EXPECT_THAT(r.output, HasSubstr("Tus-Version: 1.0.0"));
  EXPECT_THAT(r.output, HasSubstr("Tus-Max-Size: " + std::to_string(StoreLimits{}.max_packet_bytes)))
      << "the largest upload, not the size of a request body";
}

TEST_F(OfficeInterop, AnUploadLongerThanTusMaxSizeIsRefusedWith413AndAReason) {
  const auto r = curl("-X POST -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: " +
                      std::to_string(StoreLimits{}.max_packet_bytes + 1) + "' -H 'Upload-Metadata: " +
                      tus::encode_metadata({{"packet_id", new_packet_id()}, {"sha256", std::string(64, 'a')}}) +
                      "' " + url("/files"));
  EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(r.output, HasSubstr("a packet is 1 to"));
}

TEST_F(OfficeInterop, OnePatchCarriesAWholePacketLargerThanAnyBuffer) {
  const SealedPacket p = seal(20 << 20);
  const std::string file = (scratch_ / "packet.cms").string();
  ASSERT_TRUE(storage::write_durably(file, p.bytes).has_value());
  const std::string upload = announce(p);
  const auto r = curl("-X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: "
                      "application/offset+octet-stream' --data-binary @" + file + " " + url(upload));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 204"));
  EXPECT_THAT(r.output, HasSubstr("Upload-Offset: " + std::to_string(p.bytes.size())));
  const auto view = office_view(p.id);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->state, UploadInfo::State::kReceived) << view->error;
  EXPECT_EQ(sha256_hex(testing::read_file(office_dir_ / "packets" / (p.id + ".cms"))), p.sha256);
}

TEST_F(OfficeInterop, AChunkRunningPastTheAnnouncedLengthIsAnsweredNotCut) {
  const SealedPacket p = seal(1000);
  const std::string file = (scratch_ / "too-long").string();
  ASSERT_TRUE(storage::write_durably(file, p.bytes + std::string(64, 'x')).has_value());
  const auto r = curl("-X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: "
                      "application/offset+octet-stream' --data-binary @" + file + " " +
                      url(announce(p)));
  EXPECT_EQ(r.exit_code, 0) << "curl saw the connection cut: " << r.output;
  EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(r.output, HasSubstr("runs past the announced length"));
  EXPECT_EQ(office_view(p.id)->offset, 0u);
}

TEST_F(OfficeInterop, AChunkCutShortKeepsWhatArrivedAndTheUploadResumesThere) {
  const SealedPacket p = seal(300 * 1024);
  const std::string upload = announce(p);
  // A PATCH that announces the whole packet and sends half, then the client goes away.
  const std::size_t half = p.bytes.size() / 2;
  const std::string request = "PATCH " + upload + " HTTP/1.1\r\nHost: localhost:" +
                              std::to_string(office_.port()) +
                              "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                              "Content-Type: application/offset+octet-stream\r\nContent-Length: " +
                              std::to_string(p.bytes.size()) + "\r\n\r\n" + p.bytes.substr(0, half);
  send_and_hang_up(request);
  // The office notices the client gone when its read fails; wait for that, not for a time.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (office_view(p.id)->offset != half && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(office_view(p.id)->offset, half) << "what arrived before the cut is kept";
  const auto head = curl("-I -H 'Tus-Resumable: 1.0.0' " + url(upload));
  EXPECT_THAT(head.output, HasSubstr("Upload-Offset: " + std::to_string(half)));
  const std::string rest = (scratch_ / "rest").string();
  ASSERT_TRUE(storage::write_durably(rest, p.bytes.substr(half)).has_value());
  const auto r = curl("-X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: " + std::to_string(half) +
                      "' -H 'Content-Type: application/offset+octet-stream' --data-binary @" + rest +
                      " " + url(upload));
  EXPECT_THAT(r.output, HasSubstr("HTTP/1.1 204"));
  EXPECT_EQ(office_view(p.id)->state, UploadInfo::State::kReceived);
}

// The process out of file descriptors (its limit lowered, then filled by idle connections, as 80
// idle kiosks would): the office's accept loop waits instead of spinning a core, and a kiosk is
// served again as soon as descriptors free up.
TEST_F(OfficeInterop, OutOfDescriptorsTheOfficeWaitsAndServesAgainWhenTheyFreeUp) {
  testing::DescriptorsExhausted exhausted(office_.port());
  ASSERT_TRUE(exhausted.reached()) << "the lowered limit was never reached";
  std::this_thread::sleep_for(200ms);  // let the office meet the limit
  // A second's CPU time of the whole process, while nothing but the office's loop could run.
  const auto spent_before = testing::process_cpu_time();
  std::this_thread::sleep_for(1s);
  const auto spent = testing::process_cpu_time() - spent_before;
  EXPECT_LT(spent, 200ms) << "the accept loop spins while no descriptor is free";
  exhausted.release();
  // Served again: poll with a deadline rather than guess how long the office waits.
  bool served = false;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s;
       !served && std::chrono::steady_clock::now() < deadline;) {
    served = curl("-X OPTIONS " + url("/files")).output.find("HTTP/1.1 204") != std::string::npos;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served) << "a kiosk is not served after descriptors freed up";
}

TEST_F(OfficeInterop, AClientThatCachesItsTlsSessionResumesIt) {
  const auto& pki = pki_->path();
  const std::string session = (scratch_ / "session.pem").string();
  const std::string request = "printf 'OPTIONS /files HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | ";
  const std::string client = "openssl s_client -ign_eof -connect 127.0.0.1:" +
                             std::to_string(office_.port()) + " -servername localhost -CAfile " +
                             (pki / "ca.pem").string() + " -cert " +
                             (pki / "kiosk-KIOSK-7.pem").string() + " -key " +
                             (pki / "kiosk-KIOSK-7.key").string();
  const auto first = testing::run_program(request + client + " -sess_out " + session);
  EXPECT_THAT(first.output, HasSubstr("HTTP/1.1 204")) << first.output;
  ASSERT_TRUE(std::filesystem::exists(session)) << "the office issued no session ticket";
  const auto second = testing::run_program(request + client + " -sess_in " + session);
  EXPECT_THAT(second.output, HasSubstr("Reused, TLSv1.3")) << second.output;
  EXPECT_THAT(second.output, Not(HasSubstr("alert")));
  EXPECT_THAT(second.output, HasSubstr("HTTP/1.1 204")) << "the resumed connection is served";
}

}  // namespace
}  // namespace kiosk::sync
