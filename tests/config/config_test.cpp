// Configuration loading: the shipped profiles load, and every bad file stops with a message that
// names the file and the key.
#include <algorithm>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const std::filesystem::path kDefaults = KIOSK_SOURCE_DIR "/config/defaults";

class ConfigTest : public ::testing::Test {
 protected:
  // Writes a profile made from the simulation profile with `edit` applied to its text.
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto file = scratch_ / name;
    std::ofstream(file) << text;
    std::filesystem::copy_file(kDefaults / "devices.json", scratch_ / "devices.json",
                               std::filesystem::copy_options::overwrite_existing);
    return file;
  }

  static std::string message_of(const std::filesystem::path& file) {
    try {
      load(file);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(loaded without error)";
  }

  static std::string minimal(const std::string& camera) {
    return R"({ "kiosk": {"id": "K1", "state_dir": "state"},
               "usb": {"device_table": "devices.json"}, "camera": )" + camera + "}";
  }

  testing::ScratchDir scratch_;
};

TEST_F(ConfigTest, ShippedSimulationProfileLoads) {
  const Config c = load(kDefaults / "simulation.json");
  EXPECT_TRUE(c.simulation.enabled);
  EXPECT_EQ(c.fingerprint.drivers, std::vector<std::string>{"virtual_image"});
  EXPECT_EQ(c.scanner.device, "pnm:0");
  EXPECT_EQ(c.camera.source, CameraSourceKind::kFile);
  // Relative paths are taken from the profile's folder.
  EXPECT_TRUE(c.kiosk.state_dir.is_absolute());
  EXPECT_EQ(c.usb.device_table_file, kDefaults / "devices.json");
  EXPECT_FALSE(c.usb.device_table.empty());
}

TEST_F(ConfigTest, APathIsAbsoluteWhenTheProfileIsNamedByARelativePath) {
  // As tools/run starts the kiosk: `--config config/defaults/simulation.json` from the checkout.
  // The printer's socket must reach libcups with its leading '/', or it is taken for a host name.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(KIOSK_SOURCE_DIR);
  const Config c = load("config/defaults/simulation.json");
  std::filesystem::current_path(cwd);
  EXPECT_EQ(c.printer.server, std::string(KIOSK_SOURCE_DIR) + "/var/simulation/printer/cups.sock");
  EXPECT_TRUE(c.kiosk.state_dir.is_absolute()) << c.kiosk.state_dir;
  EXPECT_TRUE(c.usb.device_table_file.is_absolute()) << c.usb.device_table_file;
}

TEST_F(ConfigTest, FingerprintRulesAreConfiguration) {
  const Config c = load(kDefaults / "simulation.json");
  EXPECT_EQ(c.fingerprint_rules.exempt_below_age, 14);
  EXPECT_EQ(c.fingerprint_rules.exempt_from_age, 70);
  EXPECT_EQ(c.fingerprint_rules.previous_prints_valid_years, 5);
  EXPECT_EQ(c.fingerprint_rules.max_attempts, 3);
  EXPECT_EQ(c.fingerprint.resolution_ppi, 500);
  // Plain-enrolment practice: thumbs and index 30, middle 20, ring and little 10.
  for (int position : {1, 2, 6, 7}) EXPECT_EQ(c.fingerprint_rules.min_quality_for(position), 30);
  for (int position : {3, 8}) EXPECT_EQ(c.fingerprint_rules.min_quality_for(position), 20);
  for (int position : {4, 5, 9, 10}) EXPECT_EQ(c.fingerprint_rules.min_quality_for(position), 10);
  const auto typo = write("quality.json", minimal(R"({})").replace(
      0, 1, R"({"fingerprint_rules": {"min_quality": {"thumb": 40, "pinky": 5}},)"));
  EXPECT_THAT(message_of(typo), HasSubstr("'fingerprint_rules.min_quality.pinky'"));
  const auto file = write("ages.json", minimal(R"({})").replace(
      0, 1, R"({"fingerprint_rules": {"exempt_below_age": 14, "exempt_from_age": 12},)"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr("'fingerprint_rules.exempt_from_age'"),
                                      HasSubstr("above exempt_below_age")));
}

TEST_F(ConfigTest, SyncSectionNamesTheOfficeAndTheKiosksCertificates) {
  const Config c = load(kDefaults / "simulation.json");
  EXPECT_TRUE(c.sync.enabled);
  EXPECT_EQ(c.sync.office_port, 8443);
  EXPECT_EQ(c.sync.certificate.filename(), "kiosk-SIM-KIOSK-01.pem");
  EXPECT_TRUE(c.sync.office_ca.is_absolute());
  EXPECT_EQ(c.sync.chunk_bytes, 1u << 20);
  EXPECT_EQ(c.sync.purge_grace, std::chrono::hours(24));
  const auto file = write("sync.json", minimal(R"({})").replace(
      0, 1, R"({"sync": {"enabled": true, "office_host": "x"},)"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr("'sync.office_ca'"), HasSubstr("is required")));
}

TEST_F(ConfigTest, TheOfficesBundleMaySetRulesButNothingElse) {
  Config c = load(kDefaults / "simulation.json");
  apply_bundle(c, R"({"version": 2, "fingerprint_rules": {"max_attempts": 4}})", "bundle v2");
  EXPECT_EQ(c.fingerprint_rules.max_attempts, 4);
  EXPECT_EQ(c.fingerprint_rules.exempt_below_age, 14);
  try {
    apply_bundle(c, R"({"version": 3, "sync": {"office_host": "evil"}})", "bundle v3");
    FAIL() << "a bundle set the office's address";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("bundle v3"), HasSubstr("'sync'")));
  }
  EXPECT_EQ(c.sync.office_host, "localhost");
  EXPECT_THROW(apply_bundle(c, R"({"version": 4, "fingerprint_rules": {"max_attempts": 99}})", "v4"),
               ConfigError);
  EXPECT_EQ(c.fingerprint_rules.max_attempts, 4) << "a refused bundle changes nothing";
}

TEST_F(ConfigTest, ListOfStringsRefusesOtherItems) {
  const auto file = write("list.json", minimal(R"({})").replace(
      0, 1, R"({"fingerprint": {"drivers": ["virtual_image", 3]},)"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr("'fingerprint.drivers'"),
                                      HasSubstr("must list libfprint driver names as strings")));
}

TEST_F(ConfigTest, ShippedProductionProfileLoads) {
  const Config c = load(kDefaults / "kiosk.json");
  EXPECT_FALSE(c.simulation.enabled);
  EXPECT_EQ(c.camera.source, CameraSourceKind::kV4l2);
}

TEST_F(ConfigTest, UnknownKeyNamesFileKeyAndSuggestion) {
  const auto file = write("typo.json", minimal(R"({"source": "v4l2", "fsp": 30})"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr(file.string()), HasSubstr("'camera.fsp'"),
                                      HasSubstr("did you mean 'camera.fps'")));
}

TEST_F(ConfigTest, UnknownSectionIsRejected) {
  const auto file = write("section.json", R"({ "kiosk": {"id": "K1", "state_dir": "s"},
      "usb": {"device_table": "devices.json"}, "telemetry": {} })");
  EXPECT_THAT(message_of(file), AllOf(HasSubstr(file.string()), HasSubstr("'telemetry'")));
}

TEST_F(ConfigTest, TheReceiptPrinterIsOptional) {
  const auto none = write("none.json", R"({ "kiosk": {"id": "K1", "state_dir": "s"}, "usb": {"device_table": "devices.json"} })");
  EXPECT_TRUE(load(none).printer.destination.empty());
  const auto file = write("printer.json", R"({ "kiosk": {"id": "K1", "state_dir": "s"},
      "usb": {"device_table": "devices.json"}, "printer": {"destination": "receipts", "timeout_s": 5} })");
  const Config c = load(file);
  EXPECT_EQ(c.printer.destination, "receipts");
  EXPECT_EQ(c.printer.timeout, std::chrono::seconds(5));
  const auto bad = write("bad.json", R"({ "kiosk": {"id": "K1", "state_dir": "s"},
      "usb": {"device_table": "devices.json"}, "printer": {"destination": "receipts", "timeout_s": 0} })");
  EXPECT_THAT(message_of(bad), HasSubstr("printer.timeout_s"));
}

TEST_F(ConfigTest, WrongTypeNamesKeyAndType) {
  const auto file = write("type.json", minimal(R"({"fps": "thirty"})"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr("'camera.fps'"), HasSubstr("must be a number")));
}

TEST_F(ConfigTest, OutOfRangeNamesKeyAndRange) {
  const auto file = write("range.json", minimal(R"({"width": 5})"));
  EXPECT_THAT(message_of(file), AllOf(HasSubstr("'camera.width'"), HasSubstr("between 160")));
}

TEST_F(ConfigTest, AutoCaptureWaitsForTheConfiguredRunOfPassingFrames) {
  EXPECT_EQ(load(kDefaults / "simulation.json").face.consecutive_frames, 5);
  const auto three = write("three.json", R"({ "kiosk": {"id": "K1", "state_dir": "state"},
      "usb": {"device_table": "devices.json"}, "camera": {}, "face": {"consecutive_frames": 3}})");
  EXPECT_EQ(load(three).face.consecutive_frames, 3);
  const auto none = write("none.json", R"({ "kiosk": {"id": "K1", "state_dir": "state"},
      "usb": {"device_table": "devices.json"}, "camera": {}, "face": {"consecutive_frames": 0}})");
  EXPECT_THAT(message_of(none), AllOf(HasSubstr("'face.consecutive_frames'"), HasSubstr("between 1")));
}

TEST_F(ConfigTest, BadEnumNamesChoices) {
  const auto file = write("enum.json", minimal(R"({"source": "firewire"})"));
  EXPECT_THAT(message_of(file),
              AllOf(HasSubstr("'camera.source'"), HasSubstr("v4l2, gstreamer, file")));
}

TEST_F(ConfigTest, MissingRequiredKeyIsNamed) {
  const auto file = write("required.json", R"({"kiosk": {"state_dir": "s"},
      "usb": {"device_table": "devices.json"}})");
  EXPECT_THAT(message_of(file), HasSubstr("'kiosk.id' is required"));
}

TEST_F(ConfigTest, BrokenJsonNamesFileAndLine) {
  const auto file = write("broken.json", "{\n  \"kiosk\": {\n    \"id\": \"K1\",,\n  }\n}\n");
  EXPECT_THAT(message_of(file),
              AllOf(HasSubstr(file.string()), HasSubstr("not valid JSON"), HasSubstr("line 3")));
}

TEST_F(ConfigTest, MissingFileIsNamed) {
  const auto file = scratch_ / "absent.json";
  EXPECT_THAT(message_of(file), AllOf(HasSubstr(file.string()), HasSubstr("cannot be read")));
}

TEST_F(ConfigTest, CommentsAreAllowed) {
  const auto file = write("comments.json", "// a technician's note\n" + minimal(R"({})"));
  EXPECT_NO_THROW(load(file));
}

TEST_F(ConfigTest, DeviceTableBadIdNamesEntry) {
  const auto table = scratch_ / "table.json";
  std::ofstream(table) << R"([{"vendor": "27c6", "product": "53x5", "class": "fingerprint",
                              "model": "M"}])";
  try {
    load_device_table(table);
    FAIL() << "a bad product id was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()),
                AllOf(HasSubstr(table.string()), HasSubstr("'[0].product'"), HasSubstr("hex")));
  }
}

TEST_F(ConfigTest, ShippedServiceCatalogueHasEveryChineseVisaCategoryAndPassportService) {
  const Config c = load(kDefaults / "simulation.json");
  EXPECT_EQ(c.services_file, kDefaults / "services.json");
  for (const char* category : {"C", "D", "F", "G", "J1", "J2", "L", "M", "Q1", "Q2", "R", "S1",
                               "S2", "X1", "X2", "Z"}) {
    const auto it = std::ranges::find(c.services.services, category, &Service::visa_category);
    ASSERT_NE(it, c.services.services.end()) << category;
    EXPECT_EQ(it->document_codes, std::vector<std::string>{"P"}) << category;
    EXPECT_EQ(it->min_validity_months, 6) << category;
    EXPECT_FALSE(it->checklist.empty()) << category;
  }
  const Service* z = c.services.service("visa-z");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->checklist.front().id, "work_permit_notice");
  const Service* renewal = c.services.service("passport-renewal");
  ASSERT_NE(renewal, nullptr);
  EXPECT_FALSE(renewal->min_validity_months.has_value());  // the old passport may have expired
  const auto police = std::ranges::find(renewal->checklist, "police_report", &SupportingDocument::id);
  ASSERT_NE(police, renewal->checklist.end());
  EXPECT_EQ(police->when, DocumentCondition::kLostPassport);
  const FileRule* card = c.services.file_rule("id-card");
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->min_bytes, 100u * 1024);
  EXPECT_EQ(card->max_bytes, 300u * 1024);
  EXPECT_TRUE(card->allows("jpg"));
  EXPECT_FALSE(card->allows("png"));
}

TEST_F(ConfigTest, ServiceCatalogueErrorsNameTheKey) {
  const auto catalogue = [&](const std::string& body) {
    std::ofstream(scratch_ / "services.json") << body;
    return write("with-services.json",
                 minimal("{}").replace(0, 1, R"({"services": "services.json",)"));
  };
  const std::string rules = R"("file_rules": {"document": {"formats": ["pdf"]}},
      "photo_specs": {"std": {"width_mm": 35, "height_mm": 45, "head_height_mm": [31, 36]}})";
  EXPECT_THAT(message_of(catalogue("{" + rules + R"(, "services": [{"id": "visa-l", "kind": "visa",
      "visa_category": "L", "photo_spec": "std", "checklist": [{"id": "itinerary", "file_rule": "scan"}]}]})")),
              AllOf(HasSubstr("services.json"), HasSubstr("'services[0].checklist[0].file_rule'"),
                    HasSubstr("\"scan\"")));
  EXPECT_THAT(message_of(catalogue(R"({"file_rules": {"document": {"formats": ["gif"]}}})")),
              AllOf(HasSubstr("'file_rules.document.formats'"), HasSubstr("gif")));
  EXPECT_THAT(message_of(catalogue("{" + rules + R"(, "services": [{"id": "visa-l", "kind": "visa",
      "photo_spec": "std"}]})")),
              HasSubstr("'services[0].visa_category' is required"));
  EXPECT_THAT(message_of(catalogue("{" + rules + R"(, "services": [{"id": "p", "kind": "passport",
      "photo_spec": "std"}, {"id": "p", "kind": "passport", "photo_spec": "std"}]})")),
              HasSubstr("'services[1].id' appears twice"));
  EXPECT_THAT(message_of(catalogue(R"({"file_rules": {"document": {"formats": ["jpg"],
      "min_kib": 300, "max_kib": 100}}})")),
              HasSubstr("'file_rules.document.min_kib' must be below max_kib"));
  EXPECT_THAT(message_of(catalogue("{" + rules + R"(, "services": [{"id": "p", "kind": "passport"}]})")),
              AllOf(HasSubstr("'services[0].photo_spec'"), HasSubstr("photo_specs")));
  const auto spec = [&](const std::string& body) {
    return catalogue(R"({"photo_specs": {"s": )" + body + "}}");
  };
  EXPECT_THAT(message_of(spec(R"({"width_mm": 35, "height_mm": 45})")),
              HasSubstr("'photo_specs.s.head_height_mm' is required"));
  EXPECT_THAT(message_of(spec(R"({"width_mm": 35, "height_mm": 45, "head_height_mm": [36, 31]})")),
              HasSubstr("'photo_specs.s.head_height_mm' must hold low <= high"));
  EXPECT_THAT(message_of(spec(R"({"width_mm": 33, "height_mm": 48, "width_px": 354,
      "height_px": 354, "head_height_mm": [28, 33]})")),
              HasSubstr("'photo_specs.s.height_px' must keep the photo's proportions"));
  EXPECT_THAT(message_of(spec(R"({"width_mm": 35, "height_mm": 45, "head_height_mm": [31, 36],
      "background": "blue"})")),
              HasSubstr("'photo_specs.s.background' must be white or light"));
}

TEST_F(ConfigTest, ShippedPhotoSpecsFollowTheServices) {
  const Config c = load(kDefaults / "simulation.json");
  const PhotoSpec* visa = c.services.photo_spec(c.services.service("visa-l")->photo_spec);
  ASSERT_NE(visa, nullptr);
  EXPECT_EQ(visa->width_mm, 33);
  EXPECT_EQ(visa->height_mm, 48);
  EXPECT_EQ(visa->width_px, 420);
  EXPECT_TRUE(visa->white_background);
  EXPECT_EQ(visa->min_head_width_mm, 15);
  EXPECT_EQ(visa->max_head_height_mm, 33);
  EXPECT_EQ(visa->min_bytes, 40u * 1024);
  EXPECT_EQ(visa->max_bytes, 120u * 1024);
  const PhotoSpec* passport = c.services.photo_spec(c.services.service("passport-issue")->photo_spec);
  ASSERT_NE(passport, nullptr);
  EXPECT_EQ(passport->width_px, 827);  // 35 mm at 600 dpi
  EXPECT_EQ(passport->height_px, 1063);
  EXPECT_FALSE(passport->white_background);
  EXPECT_EQ(passport->max_bytes, 5u << 20);
  for (const Service& s : c.services.services) EXPECT_NE(c.services.photo_spec(s.photo_spec), nullptr);
}

}  // namespace
}  // namespace kiosk::config
