// Loads the kiosk configuration section by section; every key is known, typed and range-checked.
#include "config/config.hpp"

#include <algorithm>
#include <limits>

#include "config/json_reader.hpp"

namespace kiosk::config {
namespace {

using detail::JsonReader;

std::uint16_t usb_id(JsonReader& r, std::string_view key) {
  const auto text = r.string(key);
  if (!text) r.fail(key, "is required (four hex digits, e.g. \"27c6\")");
  if (text->size() != 4 || text->find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    r.fail(key, "must be four hex digits, not \"" + *text + "\"");
  }
  return static_cast<std::uint16_t>(std::stoul(*text, nullptr, 16));
}

DeviceClass device_class(JsonReader& r, std::string_view key) {
  const auto text = r.string(key);
  if (text == "fingerprint") return DeviceClass::kFingerprint;
  if (text == "scanner") return DeviceClass::kScanner;
  if (text == "camera") return DeviceClass::kCamera;
  r.fail(key, "must be one of fingerprint, scanner, camera");
}

void read_kiosk(JsonReader r, KioskSection& s) {
  s.id = r.string("id").value_or("");
  if (s.id.empty()) r.fail("id", "is required");
  s.state_dir = r.path("state_dir").value_or("");
  if (s.state_dir.empty()) r.fail("state_dir", "is required");
  s.log_level = r.string("log_level").value_or(s.log_level);
  s.max_image_pixels = static_cast<std::uint64_t>(
      r.integer("max_image_pixels", 1'000'000, 1'000'000'000).value_or(static_cast<long long>(s.max_image_pixels)));
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), s.log_level) == std::end(kLevels)) {
    r.fail("log_level", "must be one of trace, debug, info, warn, error");
  }
  r.reject_unknown_keys();
}

void read_simulation(JsonReader r, SimulationSection& s) {
  s.enabled = r.boolean("enabled").value_or(false);
  s.dir = r.path("dir").value_or("");
  s.face_source = r.path("face_source").value_or("");
  s.seed = static_cast<std::uint32_t>(r.integer("seed", 0, 0xffffffffLL).value_or(s.seed));
  s.reader_fault_at = static_cast<int>(r.integer("reader_fault_at", 0, 1000).value_or(0));
  s.reader_unplug_at = static_cast<int>(r.integer("reader_unplug_at", 0, 1000).value_or(0));
  if (s.enabled && s.dir.empty()) r.fail("dir", "is required when the simulation is enabled");
  r.reject_unknown_keys();
}

void read_fingerprint(JsonReader r, FingerprintSection& s) {
  s.drivers = r.strings("drivers", "libfprint driver names").value_or(s.drivers);
  s.virtual_image_socket = r.path("virtual_image_socket").value_or("");
  // sockaddr_un holds 107 characters of path.
  if (s.virtual_image_socket.string().size() > 107) {
    r.fail("virtual_image_socket", "is longer than a Unix socket path may be (107 characters)");
  }
  s.capture_timeout = std::chrono::seconds(
      r.integer("capture_timeout_s", 1, 600).value_or(s.capture_timeout.count()));
  s.resolution_ppi = static_cast<int>(r.integer("resolution_ppi", 250, 2000).value_or(s.resolution_ppi));
  r.reject_unknown_keys();
}

void read_fingerprint_rules(JsonReader r, FingerprintRules& s) {
  s.exempt_below_age = static_cast<int>(r.integer("exempt_below_age", 0, 30).value_or(s.exempt_below_age));
  s.exempt_from_age = static_cast<int>(r.integer("exempt_from_age", 0, 130).value_or(s.exempt_from_age));
  if (s.exempt_from_age != 0 && s.exempt_from_age <= s.exempt_below_age) {
    r.fail("exempt_from_age", "must be above exempt_below_age (or 0 for no upper limit)");
  }
  s.exempt_visa_categories = r.strings("exempt_visa_categories", "visa categories")
                                 .value_or(s.exempt_visa_categories);
  s.previous_prints_valid_years = static_cast<int>(
      r.integer("previous_prints_valid_years", 0, 20).value_or(s.previous_prints_valid_years));
  s.max_attempts = static_cast<int>(r.integer("max_attempts", 1, 10).value_or(s.max_attempts));
  JsonReader quality = r.object("min_quality");
  constexpr std::array<const char*, 5> kFingers = {"thumb", "index", "middle", "ring", "little"};
  for (std::size_t i = 0; i < kFingers.size(); ++i) {
    s.min_quality[i] =
        static_cast<int>(quality.integer(kFingers[i], 0, 100).value_or(s.min_quality[i]));
  }
  quality.reject_unknown_keys();
  r.reject_unknown_keys();
}

void read_scanner(JsonReader r, ScannerSection& s) {
  s.device = r.string("device").value_or("");
  s.sane_config_dir = r.path("sane_config_dir").value_or("");
  s.resolution_dpi = static_cast<int>(r.integer("resolution_dpi", 50, 2400).value_or(300));
  s.mode = r.string("mode").value_or(s.mode);
  s.source = r.string("source").value_or("");
  s.feeder_source = r.string("feeder_source").value_or("");
  s.scan_timeout =
      std::chrono::seconds(r.integer("scan_timeout_s", 1, 3600).value_or(s.scan_timeout.count()));
  r.reject_unknown_keys();
}

void read_camera(JsonReader r, CameraSection& s) {
  const auto source = r.string("source").value_or("v4l2");
  if (source == "v4l2") {
    s.source = CameraSourceKind::kV4l2;
  } else if (source == "gstreamer") {
    s.source = CameraSourceKind::kGstreamer;
  } else if (source == "file") {
    s.source = CameraSourceKind::kFile;
  } else {
    r.fail("source", "must be one of v4l2, gstreamer, file");
  }
  if (s.source == CameraSourceKind::kFile) {
    s.location = r.path("location").value_or("").string();
  } else {
    s.location = r.string("location").value_or(s.location);
  }
  if (s.location.empty()) r.fail("location", "is required");
  s.width = static_cast<int>(r.integer("width", 160, 8192).value_or(s.width));
  s.height = static_cast<int>(r.integer("height", 120, 8192).value_or(s.height));
  s.fps = r.number("fps", 1, 240).value_or(s.fps);
  s.pace_to_fps = r.boolean("pace_to_fps").value_or(s.pace_to_fps);
  r.reject_unknown_keys();
}

void read_face(JsonReader r, FaceSection& s) {
  s.face_cascade = r.path("face_cascade").value_or(s.face_cascade);
  s.second_face_cascade = r.path("second_face_cascade").value_or(s.second_face_cascade);
  s.eye_cascade = r.path("eye_cascade").value_or(s.eye_cascade);
  s.eyeglasses_cascade = r.path("eyeglasses_cascade").value_or(s.eyeglasses_cascade);
  s.yunet_model = r.path("yunet_model").value_or(s.yunet_model);
  s.consecutive_frames = static_cast<int>(r.integer("consecutive_frames", 1, 100).value_or(s.consecutive_frames));
  s.match_threshold = r.number("match_threshold", 1, 100000).value_or(s.match_threshold);
  s.sface_model = r.path("sface_model").value_or(s.sface_model);
  s.sface_threshold = r.number("sface_threshold", -1, 1).value_or(s.sface_threshold);
  r.reject_unknown_keys();
}

void read_usb(JsonReader r, UsbSection& s) {
  s.enabled = r.boolean("enabled").value_or(true);
  s.device_table_file = r.path("device_table").value_or("");
  if (s.device_table_file.empty()) r.fail("device_table", "is required");
  r.reject_unknown_keys();
  s.device_table = load_device_table(s.device_table_file);
}

void read_sync(JsonReader r, SyncSection& s) {
  s.enabled = r.boolean("enabled").value_or(s.enabled);
  s.office_host = r.string("office_host").value_or(s.office_host);
  s.office_port = static_cast<std::uint16_t>(r.integer("office_port", 1, 65535).value_or(s.office_port));
  s.office_ca = r.path("office_ca").value_or("");
  s.certificate = r.path("certificate").value_or("");
  s.key = r.path("key").value_or("");
  s.office_packet_certificate = r.path("office_packet_certificate").value_or("");
  constexpr std::int64_t kKib = 1024, kMib = 1024 * 1024;
  s.chunk_bytes = static_cast<std::size_t>(r.integer("chunk_kib", 16, 65536).value_or(1024) * kKib);
  s.bandwidth_bytes_per_second =
      static_cast<std::uint64_t>(r.integer("bandwidth_kib_s", 0, 10 * 1024 * 1024).value_or(0) * kKib);
  s.outbox_quota_bytes =
      static_cast<std::uint64_t>(r.integer("outbox_quota_mib", 64, 1024 * 1024).value_or(4096) * kMib);
  s.disk_reserve_bytes =
      static_cast<std::uint64_t>(r.integer("disk_reserve_mib", 0, 1024 * 1024).value_or(1024) * kMib);
  s.applicant_bytes =
      static_cast<std::uint64_t>(r.integer("applicant_mib", 1, 4096).value_or(64) * kMib);
  s.purge_grace = std::chrono::hours(r.integer("purge_grace_h", 0, 24 * 365).value_or(24));
  s.heartbeat = std::chrono::seconds(r.integer("heartbeat_s", 10, 86400).value_or(300));
  if (s.enabled) {
    for (const auto& [key, value] : {std::pair{"office_ca", &s.office_ca},
                                     std::pair{"certificate", &s.certificate},
                                     std::pair{"key", &s.key},
                                     std::pair{"office_packet_certificate",
                                               &s.office_packet_certificate}}) {
      if (value->empty()) r.fail(key, "is required while sync is enabled");
    }
  }
  r.reject_unknown_keys();
}

void read_ui(JsonReader r, UiSection& s) {
  s.enabled = r.boolean("enabled").value_or(s.enabled);
  s.port = static_cast<std::uint16_t>(r.integer("port", 1, 65535).value_or(s.port));
  s.web_dir = r.path("web").value_or("");
  s.messages_dir = r.path("messages").value_or("");
  s.idle_warning = std::chrono::seconds(r.integer("idle_warning_s", 10, 3600).value_or(s.idle_warning.count()));
  s.idle_grace = std::chrono::seconds(r.integer("idle_grace_s", 5, 600).value_or(s.idle_grace.count()));
  s.receipt_linger = std::chrono::seconds(r.integer("receipt_linger_s", 5, 600).value_or(s.receipt_linger.count()));
  s.technician_pin = r.string("technician_pin").value_or("");
  if (!s.technician_pin.empty() && !s.technician_pin.starts_with("pbkdf2-sha256$")) {
    r.fail("technician_pin", "must be a hash from `kioskctl technician hash-pin`, never the PIN itself");
  }
  if (s.enabled) {
    if (s.web_dir.empty()) r.fail("web", "is required while the UI is enabled");
    if (s.messages_dir.empty()) r.fail("messages", "is required while the UI is enabled");
  }
  r.reject_unknown_keys();
}

void read_printer(JsonReader r, PrinterSection& s) {
  s.destination = r.string("destination").value_or("");
  // A socket's path is relative to this file like every other path; host[:port] stays as it is.
  s.server = r.string("server").value_or("");
  if (s.server.find('/') != std::string::npos) s.server = r.path("server").value_or("").string();
  s.timeout = std::chrono::seconds(r.integer("timeout_s", 1, 300).value_or(s.timeout.count()));
  r.reject_unknown_keys();
}

}  // namespace

std::vector<DeviceTableEntry> load_device_table(const std::filesystem::path& file) {
  const nlohmann::json root = detail::parse_file(file);
  if (!root.is_array()) throw ConfigError(file.string() + ": must be a list of devices");
  std::vector<DeviceTableEntry> table;
  for (std::size_t i = 0; i < root.size(); ++i) {
    const std::string prefix = "[" + std::to_string(i) + "]";
    if (!root[i].is_object()) throw ConfigError(file.string() + ": " + prefix + " must be an object");
    JsonReader r(root[i], file, prefix);
    DeviceTableEntry e;
    e.vendor_id = usb_id(r, "vendor");
    e.product_id = usb_id(r, "product");
    e.device_class = device_class(r, "class");
    e.model = r.string("model").value_or("");
    if (e.model.empty()) r.fail("model", "is required");
    r.reject_unknown_keys();
    table.push_back(std::move(e));
  }
  return table;
}

Config load(const std::filesystem::path& file) {
  const nlohmann::json root = detail::parse_file(file);
  if (!root.is_object()) throw ConfigError(file.string() + ": must hold a JSON object");
  Config c;
  c.source = file;
  JsonReader r(root, file, "");
  read_kiosk(r.object("kiosk"), c.kiosk);
  read_simulation(r.object("simulation"), c.simulation);
  read_fingerprint(r.object("fingerprint"), c.fingerprint);
  read_fingerprint_rules(r.object("fingerprint_rules"), c.fingerprint_rules);
  read_scanner(r.object("scanner"), c.scanner);
  read_camera(r.object("camera"), c.camera);
  read_face(r.object("face"), c.face);
  read_usb(r.object("usb"), c.usb);
  read_sync(r.object("sync"), c.sync);
  read_ui(r.object("ui"), c.ui);
  read_printer(r.object("printer"), c.printer);
  c.services_file = r.path("services").value_or("");
  r.reject_unknown_keys();
  if (!c.services_file.empty()) c.services = load_service_catalogue(c.services_file);
  return c;
}

void apply_bundle(Config& config, std::string_view bundle_json, const std::string& origin) {
  const nlohmann::json root = nlohmann::json::parse(bundle_json, nullptr, false);
  if (!root.is_object()) throw ConfigError(origin + ": the bundle is not a JSON object");
  Config updated = config;
  JsonReader r(root, origin, "");
  r.integer("version", 1, std::numeric_limits<long long>::max());
  read_fingerprint_rules(r.object("fingerprint_rules"), updated.fingerprint_rules);
  JsonReader prints = r.object("previous_prints");
  updated.fingerprint_rules.previous_prints_key =
      prints.string("key").value_or(updated.fingerprint_rules.previous_prints_key);
  prints.array("entries");  // installed into the kiosk's database by the sync link
  prints.reject_unknown_keys();
  r.reject_unknown_keys();
  config = std::move(updated);
}

std::string_view to_string(DeviceClass c) {
  switch (c) {
    case DeviceClass::kFingerprint: return "fingerprint";
    case DeviceClass::kScanner: return "scanner";
    case DeviceClass::kCamera: return "camera";
  }
  return "unknown";
}

std::string_view to_string(CameraSourceKind k) {
  switch (k) {
    case CameraSourceKind::kV4l2: return "v4l2";
    case CameraSourceKind::kGstreamer: return "gstreamer";
    case CameraSourceKind::kFile: return "file";
  }
  return "unknown";
}

}  // namespace kiosk::config
