// Sealed packets: what the kiosk seals, the central office opens — with our opener and with stock
// openssl and tar — and nothing else does: not another office, not a forged kiosk, not a damaged
// copy.
#include "sync/packet.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/office.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::sync {
namespace {

using ::testing::HasSubstr;

class PacketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::ScratchDir;
    other_ = new testing::ScratchDir;
    testing::make_pki(pki_->path());
    testing::make_pki(other_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete other_;
  }

  static Sealer sealer(const std::filesystem::path& pki, const std::filesystem::path& office) {
    auto s = Sealer::load(pki / "kiosk-KIOSK-7.pem", pki / "kiosk-KIOSK-7.key",
                          office / "office-packet.pem", "KIOSK-7");
    EXPECT_TRUE(s.has_value()) << s.error();
    return std::move(*s);
  }
  static PacketOpener opener(const std::filesystem::path& pki) {
    auto o = PacketOpener::load(pki / "office-packet.pem", pki / "office-packet.key",
                                pki / "ca.pem");
    EXPECT_TRUE(o.has_value()) << o.error();
    return std::move(*o);
  }

  static PacketContents contents() {
    PacketContents c;
    c.id = new_packet_id();
    c.manifest = {{"service", "visa-C"}, {"mrz", {{"surname", "ERIKSSON"}}}};
    std::string binary(70000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7919 % 251);
    c.parts = {{"enrolment.an2", "application/vnd.ansi-nist-itl", "APPLICANT-MARKER " + binary},
               {"passport.jpg", "image/jpeg", std::string(1000, 'j')}};
    return c;
  }

  static inline testing::ScratchDir* pki_ = nullptr;
  static inline testing::ScratchDir* other_ = nullptr;
};

TEST_F(PacketTest, TheOfficeOpensWhatTheKioskSealedPartForPart) {
  const PacketContents c = contents();
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(c);
  ASSERT_TRUE(sealed.has_value()) << sealed.error();
  EXPECT_EQ(sealed->id, c.id);
  EXPECT_EQ(sealed->sha256, sha256_hex(sealed->bytes));
  EXPECT_EQ(sealed->bytes.find("APPLICANT-MARKER"), std::string::npos) << "plaintext in the packet";
  EXPECT_EQ(sealed->bytes.find("ERIKSSON"), std::string::npos) << "plaintext in the packet";

  const auto opened = opener(pki_->path()).open(sealed->bytes);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->signer, "KIOSK-7");
  EXPECT_EQ(opened->manifest["packet_id"], c.id);
  EXPECT_EQ(opened->manifest["kiosk_id"], "KIOSK-7");
  EXPECT_EQ(opened->manifest["service"], "visa-C");
  EXPECT_EQ(opened->manifest["mrz"]["surname"], "ERIKSSON");
  ASSERT_EQ(opened->parts.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(opened->parts[i].name, c.parts[i].name);
    EXPECT_EQ(opened->parts[i].media_type, c.parts[i].media_type);
    EXPECT_TRUE(opened->parts[i].bytes == c.parts[i].bytes) << c.parts[i].name;
    EXPECT_EQ(opened->manifest["parts"][i]["sha256"], sha256_hex(c.parts[i].bytes));
  }
}

TEST_F(PacketTest, StockOpensslAndTarOpenIt) {
  const PacketContents c = contents();
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(c);
  ASSERT_TRUE(sealed.has_value());
  testing::ScratchDir out;
  std::ofstream(out / "packet.cms", std::ios::binary) << sealed->bytes;
  const std::string pki = (pki_->path()).string();
  const auto r = testing::run_program(
      "cd " + out.path().string() + " && openssl cms -decrypt -inform DER -in packet.cms -recip " + pki +
      "/office-packet.pem -inkey " + pki + "/office-packet.key | openssl cms -verify -inform DER " +
      "-CAfile " + pki + "/ca.pem -binary 2>&1 >packet.tar && tar -xf packet.tar");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Verification successful"));
  EXPECT_TRUE(testing::read_file(out / "enrolment.an2") == c.parts[0].bytes);
  EXPECT_THAT(testing::read_file(out / "manifest.json"), HasSubstr(c.id));
}

TEST_F(PacketTest, APacketMadeByStockOpensslAndTarOpensToo) {
  // The other way round: tar and openssl cms, without our sealer, write it in DER (definite
  // lengths, the content in one piece) where our sealer streams BER (indefinite lengths, the
  // content in chunks). The office's opener reads either.
  testing::ScratchDir out;
  const std::string part(300000, 'p');
  nlohmann::json manifest = {{"format", "consular-kiosk-packet/1"},
                             {"packet_id", "stock-made"},
                             {"parts",
                              {{{"name", "page.bin"},
                                {"media_type", "application/octet-stream"},
                                {"bytes", part.size()},
                                {"sha256", sha256_hex(part)}}}}};
  std::ofstream(out / "manifest.json") << manifest.dump();
  std::ofstream(out / "page.bin", std::ios::binary) << part;
  const std::string pki = pki_->path().string();
  const auto r = testing::run_program(
      "cd " + out.path().string() + " && tar --format=pax -cf packet.tar manifest.json page.bin" +
      " && openssl cms -sign -binary -nodetach -outform DER -in packet.tar -signer " + pki +
      "/kiosk-KIOSK-7.pem -inkey " + pki + "/kiosk-KIOSK-7.key -out signed.der" +
      " && openssl cms -encrypt -binary -aes-256-gcm -outform DER -in signed.der -out packet.cms " +
      pki + "/office-packet.pem");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const PacketOpener o = opener(pki_->path());
  const auto opened = o.open(testing::read_file(out / "packet.cms"));
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->signer, "KIOSK-7");
  EXPECT_EQ(opened->manifest["packet_id"], "stock-made");
  ASSERT_EQ(opened->parts.size(), 1u);
  EXPECT_TRUE(opened->parts[0].bytes == part);
  const auto checked = o.check_file(out / "packet.cms");
  ASSERT_TRUE(checked.has_value()) << checked.error();
  EXPECT_EQ(checked->sha256, sha256_hex(testing::read_file(out / "packet.cms")));

  // The same signature over other content (one byte of the part changed in the signed data, then
  // encrypted anew to the office): the signature's own bytes still verify, the content does not.
  std::string forged = testing::read_file(out / "signed.der");
  const std::size_t at = forged.find(part.substr(0, 1000));
  ASSERT_NE(at, std::string::npos);
  forged[at + 500] = 'q';
  std::ofstream(out / "signed.der", std::ios::binary | std::ios::trunc) << forged;
  const auto again = testing::run_program(
      "cd " + out.path().string() + " && openssl cms -encrypt -binary -aes-256-gcm -outform DER " +
      "-in signed.der -out forged.cms " + pki + "/office-packet.pem");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const auto refused = o.check_file(out / "forged.cms");
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error(), HasSubstr("does not sign this content"));
}

TEST_F(PacketTest, TheOfficeChecksAPacketFileAsAStream) {
  const PacketContents c = contents();
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(c);
  ASSERT_TRUE(sealed.has_value());
  testing::ScratchDir out;
  std::ofstream(out / "packet.cms", std::ios::binary) << sealed->bytes;
  const auto checked = opener(pki_->path()).check_file(out / "packet.cms");
  ASSERT_TRUE(checked.has_value()) << checked.error();
  EXPECT_EQ(checked->sha256, sealed->sha256);
  EXPECT_EQ(checked->signer, "KIOSK-7");
  EXPECT_EQ(checked->manifest["packet_id"], c.id);
  EXPECT_TRUE(checked->parts.empty()) << "checked, not kept";
  std::ofstream(out / "packet.cms", std::ios::binary | std::ios::app) << "x";
  EXPECT_THAT(opener(pki_->path()).check_file(out / "packet.cms").error(), HasSubstr("bytes follow its end"));
  EXPECT_THAT(opener(pki_->path()).check_file(out / "missing.cms").error(), HasSubstr("missing.cms"));
}

TEST_F(PacketTest, AFlippedBitInTheEncryptedContentFailsItsAuthenticationTag) {
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(contents());
  // In the middle of the encrypted content: the decrypted bytes differ in one bit of a part, so
  // the tar archive still reads; what must refuse it is AES-GCM's tag.
  std::string damaged = sealed->bytes;
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x01);
  const auto opened = opener(pki_->path()).open(damaged);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error(), HasSubstr("authentication tag"));
}

TEST_F(PacketTest, EveryPacketHasItsOwnKey) {
  const PacketContents c = contents();
  const Sealer s = sealer(pki_->path(), pki_->path());
  EXPECT_NE(s.seal(c)->bytes, s.seal(c)->bytes);
}

TEST_F(PacketTest, AnotherOfficeCannotOpenIt) {
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(contents());
  const auto opened = opener(other_->path()).open(sealed->bytes);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error(), HasSubstr("cannot decrypt"));
}

TEST_F(PacketTest, AKioskTheConsulateDidNotCertifyIsRefused) {
  // Signed by a kiosk of another consulate's CA, sealed to our office.
  const auto sealed = sealer(other_->path(), pki_->path()).seal(contents());
  ASSERT_TRUE(sealed.has_value());
  const auto opened = opener(pki_->path()).open(sealed->bytes);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error(), HasSubstr("signature does not verify"));
}

TEST_F(PacketTest, ADamagedOrTruncatedPacketIsRefusedWithAReason) {
  const auto sealed = sealer(pki_->path(), pki_->path()).seal(contents());
  const PacketOpener o = opener(pki_->path());
  // Anywhere in the wrapped key, the encrypted content or its tag. (A few header bytes, such as
  // a version number, change nothing that is read; the upload's SHA-256 catches those.)
  for (std::size_t at : {std::size_t{60}, sealed->bytes.size() / 3, sealed->bytes.size() / 2,
                         sealed->bytes.size() - 5}) {
    std::string damaged = sealed->bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    const auto opened = o.open(damaged);
    EXPECT_FALSE(opened.has_value()) << "a flipped bit at " << at << " went unnoticed";
    if (!opened) {
      EXPECT_FALSE(opened.error().empty());
    }
  }
  const auto cut = o.open(std::string_view(sealed->bytes).substr(0, sealed->bytes.size() - 100));
  ASSERT_FALSE(cut.has_value());
  EXPECT_FALSE(o.open("not a packet at all").has_value());
}

TEST_F(PacketTest, BadPartNamesAndMismatchedKeysAreRefused) {
  PacketContents c = contents();
  c.parts.push_back({"../escape", "text/plain", "x"});
  EXPECT_THAT(sealer(pki_->path(), pki_->path()).seal(c).error(), HasSubstr("'../escape'"));
  c.parts.back().name = "enrolment.an2";
  EXPECT_THAT(sealer(pki_->path(), pki_->path()).seal(c).error(), HasSubstr("used twice"));
  const auto wrong = Sealer::load(pki_->path() / "kiosk-KIOSK-7.pem", other_->path() / "kiosk-KIOSK-7.key",
                                  pki_->path() / "office-packet.pem", "KIOSK-7");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong.error(), HasSubstr("does not belong to"));
  EXPECT_THAT(Sealer::load("/nonexistent.pem", "/nonexistent.key", "/x.pem", "K").error(),
              HasSubstr("/nonexistent.pem"));
}

}  // namespace
}  // namespace kiosk::sync
