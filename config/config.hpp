// The kiosk's typed configuration: one struct, loaded from a JSON file and validated at start-up.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/services.hpp"

namespace kiosk::config {

// A configuration that cannot be used. The message names the file and the key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KioskSection {
  std::string id;
  std::filesystem::path state_dir;  // durable state: outbox, local database
  std::string log_level = "info";   // trace, debug, info, warn, error
  // The largest image file the kiosk and its tools decode, in pixels (declared in the file's
  // header, checked before decoding): an A4 page at 600 dpi is 35 million.
  std::uint64_t max_image_pixels = 50'000'000;
};

// The simulation rig: generated assets that the real libraries' virtual devices are fed from.
struct SimulationSection {
  bool enabled = false;
  std::filesystem::path dir;          // generated fingerprints, pages, camera video
  std::filesystem::path face_source;  // public-domain portrait the camera video is made from
  std::uint32_t seed = 1;             // generators are deterministic for a given seed
  // The N-th finger laid on the virtual reader is a device error instead, as a reader failing mid
  // session (for the tests of that path); 0: never.
  int reader_fault_at = 0;
  // Instead of the N-th finger, the reader's cable is pulled (libfprint's removal); it comes back
  // when the kiosk looks for it again. 0: never.
  int reader_unplug_at = 0;
};

struct FingerprintSection {
  std::vector<std::string> drivers;            // libfprint driver ids allowed; empty: all
  std::filesystem::path virtual_image_socket;  // FP_VIRTUAL_IMAGE; empty: no virtual reader
  std::chrono::seconds capture_timeout{30};
  int resolution_ppi = 500;  // when the reader does not report one (libfprint images say 0)
};

// Who gives no fingerprints, as consular services decide it: configuration, not code.
struct FingerprintRules {
  int exempt_below_age = 14;  // not yet 14 on the application date
  int exempt_from_age = 70;   // 70 or older on the application date (0: no upper limit)
  std::vector<std::string> exempt_visa_categories = {"diplomatic", "official", "courtesy"};
  int previous_prints_valid_years = 5;  // prints on the same passport this recent are reused
  int max_attempts = 3;                 // per finger
  // Least quality (0..100) that accepts a finger at once, for thumb, index, middle, ring and
  // little finger of either hand; below it the applicant tries again, up to max_attempts.
  std::array<int, 5> min_quality = {30, 30, 20, 10, 10};
  // The key of the previous-prints list; only the central office's configuration bundle sets it.
  std::string previous_prints_key;
  int min_quality_for(int finger_position) const { return min_quality[(finger_position - 1) % 5]; }
};

struct ScannerSection {
  std::string device;                     // SANE device name; empty: the first one found
  std::filesystem::path sane_config_dir;  // SANE_CONFIG_DIR; empty: the system's
  int resolution_dpi = 300;
  std::string mode = "Color";  // SANE mode option value
  std::string source;          // SANE source option value; empty: the backend's default
  // The source value of the document feeder, for supporting papers (e.g. "Automatic Document
  // Feeder"); empty: papers go on the glass a page at a time.
  std::string feeder_source;
  std::chrono::seconds scan_timeout{120};
};

enum class CameraSourceKind { kV4l2, kGstreamer, kFile };

struct CameraSection {
  CameraSourceKind source = CameraSourceKind::kV4l2;
  std::string location = "/dev/video0";  // device node, pipeline, or file
  int width = 1280;
  int height = 720;
  double fps = 30.0;
  bool pace_to_fps = false;  // deliver a file's frames at its frame rate, as a live camera would
};

// The models the face code detects faces with. The cascades come with Debian's opencv-data; a
// YuNet detector in ONNX is used when configured, but nothing requires one.
struct FaceSection {
  std::filesystem::path face_cascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml";
  // Looked with when the first finds no face: Haar features see a face in side light or small in
  // a wide frame where the LBP cascade does not (at several times its cost, so only then).
  std::filesystem::path second_face_cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";
  std::filesystem::path eye_cascade = "/usr/share/opencv4/haarcascades/haarcascade_eye.xml";
  std::filesystem::path eyeglasses_cascade =
      "/usr/share/opencv4/haarcascades/haarcascade_eye_tree_eyeglasses.xml";
  std::filesystem::path yunet_model;  // empty: the cascades
  // Auto-capture takes the photo when this many analysed frames in a row pass every rule (the
  // sharpest of them is kept): about a third of a second at 15 analysed frames a second.
  int consecutive_frames = 5;
  // Face match (capture/face/face_match.hpp): a distance above this between the live photo and the
  // passport's portrait flags the application for an interview. Measured on the two faces we have
  // (tests/capture/face_match_test): the same person 39-56, different people 101-107.
  double match_threshold = 80;
  // An SFace recognition model (ONNX, OpenCV's FaceRecognizerSF) for the face match instead of the
  // classical method; empty: the classical method. A cosine similarity below sface_threshold
  // (OpenCV's published figure for that model) flags the interview.
  std::filesystem::path sface_model;
  double sface_threshold = 0.363;
};

enum class DeviceClass { kFingerprint, kScanner, kCamera };

struct DeviceTableEntry {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  DeviceClass device_class = DeviceClass::kFingerprint;
  std::string model;
};

struct UsbSection {
  bool enabled = true;
  std::filesystem::path device_table_file;
  std::vector<DeviceTableEntry> device_table;  // loaded from device_table_file
};

// The link to the central office (sync/): where it is, the kiosk's TLS identity, the outbox.
struct SyncSection {
  bool enabled = false;  // the shipped profiles turn it on
  std::string office_host = "localhost";  // must match the office's certificate
  std::uint16_t office_port = 8443;
  std::filesystem::path office_ca;                  // the consulate's CA, pinned
  std::filesystem::path certificate;                // the kiosk's certificate (TLS and signing)
  std::filesystem::path key;
  std::filesystem::path office_packet_certificate;  // packets are sealed to this key
  std::size_t chunk_bytes = std::size_t{1} << 20;
  std::uint64_t bandwidth_bytes_per_second = 0;     // 0: no cap
  std::uint64_t outbox_quota_bytes = std::uint64_t{4} << 30;
  std::uint64_t disk_reserve_bytes = std::uint64_t{1} << 30;
  std::uint64_t applicant_bytes = std::uint64_t{64} << 20;  // room one applicant's packet needs
  std::chrono::hours purge_grace{24};  // delivered packets stay this long, then are deleted
  std::chrono::seconds heartbeat{300};  // how often the kiosk reports its health
};

// The applicant's screen: a local web UI served on the loopback interface only, for the kiosk's
// full-screen browser.
struct UiSection {
  bool enabled = false;                  // the shipped profiles turn it on
  std::uint16_t port = 8080;             // on 127.0.0.1
  std::filesystem::path web_dir;         // the pages (kiosk/web)
  std::filesystem::path messages_dir;    // the message catalogues (kiosk/messages)
  std::chrono::seconds idle_warning{90};  // idle this long: "are you still there?"
  std::chrono::seconds idle_grace{30};    // then this long to answer before the session is wiped
  std::chrono::seconds receipt_linger{20};  // the receipt idle this long: the warning (then the wipe within 10 s)
  // The technician PIN's salted hash ("pbkdf2-sha256$...", from `kioskctl technician hash-pin`);
  // empty: technician mode stays shut.
  std::string technician_pin;
};

// The receipt printer. Without a destination the receipt is only shown, never printed.
struct PrinterSection {
  std::string destination;  // a local CUPS queue's name, or an IPP printer's URI (ipp://host/ipp/print)
  std::string server;       // the CUPS scheduler holding the queue (a socket's path, host[:port]); empty: the system's
  std::chrono::seconds timeout{20};  // to hand a receipt over
};

struct Config {
  std::filesystem::path source;  // the file this was loaded from
  KioskSection kiosk;
  SimulationSection simulation;
  FingerprintSection fingerprint;
  FingerprintRules fingerprint_rules;
  ScannerSection scanner;
  CameraSection camera;
  FaceSection face;
  UsbSection usb;
  SyncSection sync;
  UiSection ui;
  PrinterSection printer;
  std::filesystem::path services_file;  // the service catalogue's file; empty: no services
  ServiceCatalogue services;
};

// Loads and validates a configuration file. Relative paths in it are taken relative to the file's
// folder. Throws ConfigError naming the file and the key on any unknown key or bad value.
Config load(const std::filesystem::path& file);

// Lays the central office's configuration bundle (the JSON text of a verified bundle) over
// `config`. A bundle may set "fingerprint_rules" and "previous_prints" ({"key", "entries"}; the
// entries are installed elsewhere); any other setting, unknown key or bad value throws ConfigError
// naming `origin` and the key, and leaves `config` as it was.
void apply_bundle(Config& config, std::string_view bundle_json, const std::string& origin);

// Parses a device table (a JSON array of {vendor, product, class, model}).
std::vector<DeviceTableEntry> load_device_table(const std::filesystem::path& file);

std::string_view to_string(DeviceClass c);
std::string_view to_string(CameraSourceKind k);

}  // namespace kiosk::config
