// Whole ten-print sessions through libfprint's virtual_image reader, with generated prints played
// as the applicant's fingers: the plan, retries, keep-best, the same finger twice, missing
// fingers, removal and resume, and the transaction that comes out.
#include "capture/finger/ten_print_session.hpp"

#include <cstdlib>
#include <map>
#include <variant>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "sim/finger_feeder.hpp"
#include "sim/fingerprint_synth.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::finger {
namespace {

using namespace std::chrono_literals;
using Kind = TenPrintEvent::Kind;

// The applicant's fingers, made once: synthesis takes longer than a capture.
cv::Mat finger_of(int position) {
  static std::map<int, cv::Mat> made;
  auto [it, fresh] = made.try_emplace(position);
  if (fresh) {
    sim::FingerprintSpec spec;
    spec.seed = 100 + static_cast<std::uint32_t>(position);
    spec.pattern = sim::pattern_for_finger(position, 1);
    it->second = sim::synthesize_fingerprint(spec);
  }
  return it->second;
}

cv::Mat faint(const cv::Mat& print, double keep) {
  cv::Mat out;
  print.convertTo(out, CV_8U, keep, 255 * (1 - keep));
  return out;
}

// What the applicant does when the reader asks for a finger.
struct Retry {};
struct Unplug {};
struct Nothing {};
using Act = std::variant<cv::Mat, Retry, Unplug, Nothing>;

class TenPrintSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FP_VIRTUAL_IMAGE", socket_.c_str(), 1);
    setenv("FP_DRIVERS_WHITELIST", "virtual_image", 1);
    reader_ = drivers::make_libfprint_reader(io_.get_executor());
    std::optional<drivers::Result<drivers::FingerprintDeviceInfo>> opened;
    reader_->open("", [&](auto r) { opened = std::move(r); });
    ASSERT_TRUE(testing::run_until(io_, opened));
    ASSERT_TRUE(opened->has_value()) << opened->error().message();
    std::optional<boost::system::error_code> connected;
    feeder_.connect(5s, [&](auto ec) { connected = ec; });
    ASSERT_TRUE(testing::run_until(io_, connected));
    ASSERT_FALSE(*connected);
    session_ = std::make_shared<TenPrintSession>(*reader_, rules_, device_,
                                                 [this](const TenPrintEvent& e) { on_event(e); });
  }

  void on_event(const TenPrintEvent& e) {
    events_.push_back(e);
    if (e.kind != Kind::kPlaceFinger) return;
    const int asked = ++asked_[e.position];
    Act act = script_ ? script_(e.position, asked) : Act{finger_of(e.position)};
    if (const auto* image = std::get_if<cv::Mat>(&act)) {
      fed_[e.position].push_back(image->clone());
      feeder_.send_image(image->cols, image->rows,
                         std::vector<std::uint8_t>(image->datastart, image->dataend), [](auto) {});
    } else if (std::holds_alternative<Retry>(act)) {
      feeder_.send_retry(0, [](auto) {});
    } else if (std::holds_alternative<Unplug>(act)) {
      feeder_.send_removed([](auto) {});
    }
  }

  drivers::Result<TenPrintResult> run() {
    std::optional<drivers::Result<TenPrintResult>> done;
    session_->run([&](auto r) { done = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, done, 120s)) << "the session never ended";
    return done ? std::move(*done) : drivers::problem(drivers::ProblemCode::kTimeout, "gave up");
  }

  std::vector<TenPrintEvent> events_of(Kind kind) const {
    std::vector<TenPrintEvent> out;
    for (const auto& e : events_) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  static std::vector<std::uint8_t> pixels(const cv::Mat& m) {
    return {m.datastart, m.dataend};
  }

  boost::asio::io_context io_;
  testing::ScratchDir scratch_;
  std::filesystem::path socket_ = scratch_ / "fp.sock";
  std::unique_ptr<drivers::FingerprintReader> reader_;
  sim::FingerFeeder feeder_{io_.get_executor(), socket_};
  config::FingerprintRules rules_;
  config::FingerprintSection device_;
  std::shared_ptr<TenPrintSession> session_;
  std::function<Act(int position, int asked)> script_;
  std::vector<TenPrintEvent> events_;
  std::map<int, int> asked_;
  std::map<int, std::vector<cv::Mat>> fed_;
};

TEST_F(TenPrintSessionTest, FullSessionTakesTenFingersInOrderAndRoundTripsAsATransaction) {
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(result->captured.size(), 10u);
  EXPECT_TRUE(result->missing.empty());

  // Prompted right thumb .. right little, then left thumb .. left little, one each.
  std::vector<int> prompted;
  for (const auto& e : events_of(Kind::kPlaceFinger)) prompted.push_back(e.position);
  EXPECT_EQ(prompted, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(finger_name(1), "right_thumb");
  EXPECT_EQ(finger_name(10), "left_little");
  for (const auto& e : events_of(Kind::kSameFingerAgain)) {
    ADD_FAILURE() << "finger " << e.position << " matched finger " << e.matched_position;
  }

  for (const CapturedFinger& f : result->captured) {
    EXPECT_EQ(f.attempts, 1) << "finger " << f.position;
    EXPECT_GE(f.quality, rules_.min_quality_for(f.position)) << "finger " << f.position;
    EXPECT_FALSE(f.below_threshold);
    EXPECT_FALSE(f.matched_position);
    EXPECT_EQ(f.image.pixels_per_inch, 500) << "from configuration: virtual_image says none";
    EXPECT_EQ(f.image.pixels, pixels(finger_of(f.position))) << "finger " << f.position;
  }

  TransactionInfo info;
  info.originating_agency = "TESTKIOSK";
  info.control_number = "TCN-1";
  const auto transaction = transaction_of(info, *result);
  ASSERT_TRUE(transaction.has_value()) << transaction.error();
  const auto bytes = an2k::encode(*transaction);
  ASSERT_TRUE(bytes.has_value());
  const auto back = an2k::decode(*bytes);
  ASSERT_TRUE(back.has_value()) << back.error();
  ASSERT_EQ(back->records.size(), 12u);  // Type-1, Type-2, ten Type-14
  for (int position = 1; position <= 10; ++position) {
    const an2k::Record& r = back->records[static_cast<std::size_t>(position + 1)];
    EXPECT_EQ(r.type(), 14);
    EXPECT_EQ(r.text(13), std::to_string(position));  // FGP
    const std::string& png = r.find(an2k::kData)->value;
    const cv::Mat image = cv::imdecode(std::vector<std::uint8_t>(png.begin(), png.end()),
                                       cv::IMREAD_UNCHANGED);
    EXPECT_EQ(pixels(image), pixels(finger_of(position))) << "finger " << position;
  }
}

TEST_F(TenPrintSessionTest, TheSameFingerGivenTwiceIsCaughtAndRecapturedThenRecordedIfAgain) {
  // Right index: the thumb again, then the right finger. Right middle: the thumb twice.
  script_ = [](int position, int asked) -> Act {
    if (position == 2 && asked == 1) return finger_of(1);
    if (position == 3 && asked <= 2) return finger_of(1);
    return finger_of(position);
  };
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  const auto warnings = events_of(Kind::kSameFingerAgain);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].position, 2);
  EXPECT_EQ(warnings[0].matched_position, 1);
  EXPECT_EQ(warnings[1].position, 3);
  EXPECT_FALSE(result->captured[1].matched_position) << "recaptured with the right finger";
  EXPECT_EQ(result->captured[1].image.pixels, pixels(finger_of(2)));
  ASSERT_TRUE(result->captured[2].matched_position) << "a second match goes on the record";
  EXPECT_EQ(*result->captured[2].matched_position, 1);
}

TEST_F(TenPrintSessionTest, PoorAttemptsAreRetriedWithFeedbackAndTheBestIsKept) {
  script_ = [](int position, int asked) -> Act {
    if (position != 1) return finger_of(position);
    const double keep[] = {0.0, 0.22, 0.12, 0.17};  // all below the thumb's 30; the first best
    return faint(finger_of(1), keep[asked]);
  };
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  const CapturedFinger& thumb = result->captured[0];
  EXPECT_EQ(thumb.attempts, 3);
  EXPECT_TRUE(thumb.below_threshold);
  EXPECT_EQ(thumb.image.pixels, pixels(fed_[1][0])) << "the best attempt, not the last";
  const auto tries = events_of(Kind::kTryAgain);
  ASSERT_EQ(tries.size(), 2u);
  for (const auto& e : tries) {
    EXPECT_EQ(e.position, 1);
    EXPECT_EQ(e.feedback, QualityFeedback::kPressHarder);
  }
  EXPECT_EQ(result->captured[1].attempts, 1);
}

TEST_F(TenPrintSessionTest, AReaderRetryCountsAsAnAttemptAndCaptureGoesOn) {
  script_ = [](int position, int asked) -> Act {
    if (position == 4 && asked == 1) return Retry{};
    return finger_of(position);
  };
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->captured[3].attempts, 2);
  ASSERT_EQ(events_of(Kind::kTryAgain).size(), 1u);
  EXPECT_EQ(events_of(Kind::kTryAgain)[0].feedback, QualityFeedback::kMoveAndRetry);
}

TEST_F(TenPrintSessionTest, RemovalMidSessionKeepsTheFingersAlreadyTaken) {
  script_ = [](int position, int) -> Act {
    if (position == 5) return Unplug{};
    return finger_of(position);
  };
  const auto result = run();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, drivers::ProblemCode::kRemoved);
  ASSERT_EQ(events_of(Kind::kReaderLost).size(), 1u);
  EXPECT_EQ(events_of(Kind::kReaderLost)[0].position, 5);
  ASSERT_EQ(session_->result().captured.size(), 4u);
  EXPECT_EQ(session_->result().captured[3].image.pixels, pixels(finger_of(4)));
}

TEST_F(TenPrintSessionTest, CancelStopsAndRunAgainGoesOnFromTheNextFinger) {
  script_ = [this](int position, int) -> Act {
    if (position == 7 && asked_[7] == 1) {
      session_->cancel();
      return Nothing{};
    }
    return finger_of(position);
  };
  const auto stopped = run();
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().code, drivers::ProblemCode::kCancelled);
  EXPECT_EQ(session_->result().captured.size(), 6u);
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->captured.size(), 10u);
  std::vector<int> prompted;
  for (const auto& e : events_of(Kind::kPlaceFinger)) prompted.push_back(e.position);
  EXPECT_EQ(prompted, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10}));
}

TEST_F(TenPrintSessionTest, MissingFingersBeforeAndDuringCaptureAreSkippedWithTheirReason) {
  ASSERT_TRUE(session_->mark_missing(4, MissingCode::kAmputated, "since birth"));
  ASSERT_TRUE(session_->mark_missing(9, MissingCode::kUnableToPrint, "bandaged"));
  EXPECT_FALSE(session_->mark_missing(11, MissingCode::kAmputated, ""));
  script_ = [this](int position, int) -> Act {
    if (position == 6) {
      session_->mark_missing(6, MissingCode::kUnableToPrint, "burn");
      return Nothing{};
    }
    return finger_of(position);
  };
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->captured.size(), 7u);
  ASSERT_EQ(result->missing.size(), 3u);
  EXPECT_EQ(result->missing[0].position, 4);
  EXPECT_EQ(result->missing[0].code, MissingCode::kAmputated);
  EXPECT_EQ(result->missing[1].position, 6);
  EXPECT_EQ(result->missing[1].reason, "burn");
  EXPECT_EQ(result->missing[2].reason, "bandaged");
  EXPECT_FALSE(session_->mark_missing(1, MissingCode::kAmputated, "")) << "already taken";

  TransactionInfo info;
  info.originating_agency = "TESTKIOSK";
  info.control_number = "TCN-2";
  const auto transaction = transaction_of(info, *result);
  ASSERT_TRUE(transaction.has_value()) << transaction.error();
  const an2k::Record& ring = transaction->records[2 + 3];
  EXPECT_EQ(ring.text(13), "4");
  EXPECT_EQ(ring.find(18)->subfields().front(), (std::vector<std::string>{"4", "XX"}));
}

TEST_F(TenPrintSessionTest, AllTenMissingEndsAtOnceAsExempt) {
  for (int position = 1; position <= 10; ++position) {
    ASSERT_TRUE(session_->mark_missing(position, MissingCode::kUnableToPrint, "casts"));
  }
  const auto result = run();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->all_missing());
  EXPECT_TRUE(events_of(Kind::kPlaceFinger).empty());
}

TEST_F(TenPrintSessionTest, AFingerGivenAgainAfterTheEndIsTheOnlyOneCapturedAndReplacesTheFirst) {
  auto first = run();
  ASSERT_TRUE(first.has_value()) << first.error().message();
  ASSERT_TRUE(session_->complete());
  EXPECT_FALSE(session_->redo(11));
  ASSERT_TRUE(session_->redo(3));
  EXPECT_FALSE(session_->complete());
  EXPECT_FALSE(session_->redo(3)) << "neither captured nor missing now";
  // The same finger again, pressed differently (fainter): it must not be taken for a duplicate of
  // the print it replaces, which no longer counts.
  script_ = [](int position, int) -> Act { return faint(finger_of(position), 0.8); };
  events_.clear();
  const auto again = run();
  ASSERT_TRUE(again.has_value()) << again.error().message();
  std::vector<int> prompted;
  for (const auto& e : events_of(Kind::kPlaceFinger)) prompted.push_back(e.position);
  EXPECT_EQ(prompted, std::vector<int>{3});
  EXPECT_TRUE(events_of(Kind::kSameFingerAgain).empty());
  ASSERT_EQ(again->captured.size(), 10u);
  EXPECT_EQ(again->captured[2].position, 3);
  EXPECT_NE(again->captured[2].image.pixels, first->captured[2].image.pixels) << "the new print, not the first";
}

TEST_F(TenPrintSessionTest, AFingerMarkedMissingByMistakeIsTakenAfterTheOthers) {
  script_ = [this](int position, int) -> Act {
    if (position == 2 && asked_[2] == 1) {
      session_->mark_missing(2, MissingCode::kAmputated, "");
      return Nothing{};
    }
    if (position == 5 && asked_[5] == 1) {
      EXPECT_TRUE(session_->redo(2)) << "\"I can give it\" after all";
    }
    return finger_of(position);
  };
  const auto result = run();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->captured.size(), 10u);
  EXPECT_TRUE(result->missing.empty());
  std::vector<int> prompted;
  for (const auto& e : events_of(Kind::kPlaceFinger)) prompted.push_back(e.position);
  EXPECT_EQ(prompted, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2}));
  EXPECT_FALSE(session_->redo(0));
}

}  // namespace
}  // namespace kiosk::finger
