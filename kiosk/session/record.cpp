// The applicant's record from a finished session; see record.hpp.
#include "kiosk/session/record.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "capture/an2k/transaction.hpp"
#include "capture/face/face_record.hpp"
#include "capture/finger/ten_print_record.hpp"
#include "config/utc_text.hpp"

namespace kiosk::app {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford
constexpr std::size_t kCodeLength = 12;

int value_of(char c) {
  const auto at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Luhn mod N over `values`: the check value that makes the whole sequence sum to 0.
int luhn_check(const std::vector<int>& values) {
  constexpr int n = static_cast<int>(kAlphabet.size());
  int factor = 2, sum = 0;
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    int addend = factor * *it;
    factor = factor == 2 ? 1 : 2;
    addend = addend / n + addend % n;
    sum += addend;
  }
  return (n - sum % n) % n;
}

std::string grouped(std::string_view code) {
  return fmt::format("{}-{}-{}", code.substr(0, 4), code.substr(4, 4), code.substr(8));
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json applicant_of(const document::MrzFields& f) {
  return {{"document_code", f.document_code},
          {"issuing_state", f.issuing_state},
          {"surname", f.surname},
          {"given_names", f.given_names},
          {"names_truncated", f.names_truncated},
          {"document_number", f.document_number},
          {"nationality", f.nationality},
          {"date_of_birth", iso_date(f.date_of_birth)},
          {"sex", f.sex},
          {"date_of_expiry", iso_date(f.date_of_expiry)},
          {"optional_data", f.optional_data},
          {"mrz_corrections", f.corrections}};
}

nlohmann::json photo_of(const face::CapturedPhoto& photo, const config::PhotoSpec& spec,
                        const std::optional<face::FaceMatch>& match) {
  nlohmann::json rules = nlohmann::json::array();
  for (const face::RuleCheck& r : photo.analysis.rules) {
    rules.push_back({{"id", r.id},
                     {"value", number_or_null(r.value)},
                     {"low", number_or_null(r.low)},
                     {"high", number_or_null(r.high)},
                     {"judged", r.judged},
                     {"passed", r.passed}});
  }
  nlohmann::json m = nullptr;
  if (match) {
    m = {{"compared", match->compared},
         {"distance", match->distance},
         {"threshold", match->threshold},
         {"matched", match->matched},
         {"method", match->method}};
    if (!match->not_compared.empty()) m["not_compared"] = match->not_compared;
  }
  return {{"spec", spec.name},
          {"width_px", photo.photo.cols},
          {"height_px", photo.photo.rows},
          {"jpeg_quality", photo.file.quality},
          {"bytes", photo.file.jpeg.size()},
          {"frame", photo.sequence},
          {"sharpness", photo.analysis.sharpness},
          {"rules", std::move(rules)},
          {"face_match", std::move(m)}};
}

nlohmann::json fingerprints_of(const Session& session) {
  nlohmann::json captured = nlohmann::json::array(), missing = nlohmann::json::array(),
                 exemptions = nlohmann::json::array();
  if (const auto& prints = session.fingerprints()) {
    for (const finger::CapturedFinger& f : prints->captured) {
      nlohmann::json c = {{"position", f.position},
                          {"finger", finger::finger_name(f.position)},
                          {"quality", f.quality},
                          {"minutiae", f.minutiae},
                          {"attempts", f.attempts},
                          {"below_threshold", f.below_threshold}};
      if (f.matched_position) c["matched_position"] = *f.matched_position;
      captured.push_back(std::move(c));
    }
    for (const finger::MissingFingerNote& m : prints->missing) {
      missing.push_back({{"position", m.position},
                         {"finger", finger::finger_name(m.position)},
                         {"code", finger::code_of(m.code)},
                         {"reason", m.reason}});
    }
  }
  for (const finger::Exemption& e : session.exemptions()) {
    exemptions.push_back({{"reason", finger::to_string(e.reason)}, {"detail", e.detail}});
  }
  return {{"captured", std::move(captured)}, {"missing", std::move(missing)}, {"exemptions", std::move(exemptions)}};
}

std::string media_type_of(std::string_view format) {
  if (format == "jpg") return "image/jpeg";
  if (format == "png") return "image/png";
  if (format == "tif") return "image/tiff";
  if (format == "bmp") return "image/bmp";
  if (format == "pdf") return "application/pdf";
  return "application/octet-stream";
}

std::string as_bytes(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

std::string new_tracking_code() {
  std::array<unsigned char, kCodeLength - 1> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("the random generator failed");
  }
  std::vector<int> values;
  std::string code;
  for (unsigned char r : random) {
    values.push_back(r % kAlphabet.size());  // 256 is a multiple of 32: no bias
    code += kAlphabet[values.back()];
  }
  code += kAlphabet[luhn_check(values)];
  return grouped(code);
}

std::string canonical_tracking_code(std::string_view typed) {
  std::vector<int> values;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    const int v = value_of(c);
    if (v < 0) return {};
    values.push_back(v);
  }
  if (values.size() != kCodeLength) return {};
  const int check = values.back();
  values.pop_back();
  if (luhn_check(values) != check) return {};
  std::string code;
  for (int v : values) code += kAlphabet[static_cast<std::size_t>(v)];
  code += kAlphabet[static_cast<std::size_t>(check)];
  return grouped(code);
}

sync::Expected<sync::PacketContents> record_of(const Session& session, const RecordContext& context) {
  if (session.step() != Step::kSubmitting) return std::unexpected("the session has not been submitted");
  const config::Service* service = session.service();
  const auto& passport = session.passport();
  const auto& photo = session.photo();
  if (service == nullptr || !passport || !photo) {
    return std::unexpected("the session has no service, passport or photo");
  }
  sync::PacketContents record;
  record.id = context.packet_id;

  // The transaction: the fingers (or none, when exempt) and the face.
  finger::TransactionInfo an2k_info;
  an2k_info.type_of_transaction = service->kind == "visa" ? "VISA" : "PASS";
  an2k_info.originating_agency = context.kiosk_id;
  an2k_info.control_number = context.packet_id;
  an2k_info.when = context.now;
  auto transaction = transaction_of(an2k_info, session.fingerprints().value_or(finger::TenPrintResult{}));
  if (!transaction) return std::unexpected("the fingerprint records: " + transaction.error());
  const config::PhotoSpec* spec = session.catalogue().photo_spec(service->photo_spec);
  if (spec == nullptr) return std::unexpected("the service's photo spec " + service->photo_spec + " is not defined");
  auto face = face::face_record({.jpeg = photo->file.jpeg,
                                 .width_px = photo->photo.cols,
                                 .height_px = photo->photo.rows,
                                 .spec = spec,
                                 .source_agency = context.kiosk_id,
                                 .taken = context.now});
  if (!face) return std::unexpected("the face record: " + face.error());
  face::add_face_record(*transaction, std::move(*face));
  auto an2 = an2k::encode(std::move(*transaction));
  if (!an2) return std::unexpected("the transaction: " + an2.error());
  record.parts.push_back({"enrolment.an2", "application/vnd.ansi-nist-itl", std::move(*an2)});
  record.parts.push_back({"photo.jpg", "image/jpeg", as_bytes(photo->file.jpeg)});

  nlohmann::json papers = nlohmann::json::array();
  for (const HandedPaper& p : session.papers()) {
    if (!p.file) {
      papers.push_back({{"id", p.id}, {"skipped", true}});
      continue;
    }
    const std::string name = fmt::format("paper-{}.{}", p.id, p.file->format);
    papers.push_back({{"id", p.id},
                      {"skipped", false},
                      {"file", name},
                      {"pages", p.file->pages},
                      {"dpi", p.file->dpi},
                      {"grey", p.file->grey}});
    record.parts.push_back({name, media_type_of(p.file->format), as_bytes(p.file->bytes)});
  }

  // What the mission should look at; none of it stopped the enrolment.
  nlohmann::json flags = nlohmann::json::array();
  if (const auto& match = session.face_match(); !match || match->interview()) flags.push_back("interview:face_match");
  if (session.fingerprints()) {
    for (const finger::CapturedFinger& f : session.fingerprints()->captured) {
      if (f.matched_position) flags.push_back(fmt::format("check:finger_{}_same_as_{}", f.position, *f.matched_position));
    }
  }
  if (passport->names_truncated) flags.push_back("check:names_truncated");

  record.manifest = {
      {"tracking_code", context.tracking_code},
      {"service", {{"id", service->id}, {"kind", service->kind}, {"visa_category", service->visa_category}}},
      {"lost_passport", session.lost_passport()},
      {"started_at", utc_text(context.started)},
      {"submitted_at", utc_text(context.now)},
      {"age", session.age().value_or(-1)},
      {"applicant", applicant_of(*passport)},
      {"photo", photo_of(*photo, *spec, session.face_match())},
      {"fingerprints", fingerprints_of(session)},
      {"papers", std::move(papers)},
      {"flags", std::move(flags)},
      {"language", info(session.language()).code},
      {"devices", context.devices},
  };
  return record;
}

}  // namespace kiosk::app
