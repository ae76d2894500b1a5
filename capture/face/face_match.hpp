// Does the face before the camera belong to the passport? The live photo is compared with the
// portrait cut from the data page (capture/document/data_page.hpp) by a classical method, since
// no recognition model may be required on the kiosk:
// - both faces are found with their eyes (face_detector.hpp) and aligned on the eyes: turned level
//   and scaled so the eye centres land on fixed points of an 80 x 88 grey crop of the face alone
//   (cheek to cheek, brow to chin);
// - the light is evened out as Tan and Triggs propose ("Enhanced local texture feature sets for
//   face recognition under difficult lighting conditions", 2010): gamma 0.2, a difference of
//   Gaussians (σ 1 and 2), then contrast equalisation;
// - the crops are compared by local binary pattern histograms (Ahonen, Hadid and Pietikäinen,
//   2006; OpenCV's LBPHFaceRecognizer, radius 1, 8 neighbours, an 8 x 8 grid): the chi-square
//   distance between the two, lower for the same person.
// When an SFace model (OpenCV's FaceRecognizerSF, ONNX) is configured, FaceMatcher uses it instead:
// the faces are aligned on the same eyes into the 112 x 112 colour crop the model expects, and
// the score is the cosine similarity of the two features, reported as the distance 1 - cosine.
// A distance above the configured threshold, or faces that cannot be compared, flag the
// application for an interview at the mission; neither ever stops the enrolment.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "capture/face/face_detector.hpp"
#include "config/config.hpp"

namespace kiosk::face {

struct FaceMatch {
  bool compared = false;  // both faces and their eyes were found
  double distance = 0;    // LBPH chi-square distance; lower: likelier the same person
  double threshold = 0;
  bool matched = false;   // compared, and the distance is within the threshold
  std::string not_compared;  // why not, for the record: "no face in the passport's portrait"...
  std::string method;        // how the faces were compared, for the record

  bool interview() const { return !matched; }
};

// The eye-aligned, light-normalised crop the comparison works on (CV_8U, 80 x 88), or empty when
// `image` (8-bit BGR) has no face with eyes. `detector` is told the image stands alone.
cv::Mat aligned_face(const cv::Mat& image, FaceDetector& detector);

// Compares the live photo (or camera frame) with the data page's portrait, both 8-bit BGR, by the
// classical method.
FaceMatch match_faces(const cv::Mat& live, const cv::Mat& portrait, FaceDetector& detector, double threshold);

// The face match as configured: SFace when `face.sface_model` names one, the classical method
// otherwise, each with its own detector. Not thread-safe.
class FaceMatcher {
 public:
  // The error names the model or cascade that cannot be loaded.
  static std::expected<std::unique_ptr<FaceMatcher>, std::string> load(const config::FaceSection& config);
  ~FaceMatcher();
  FaceMatch match(const cv::Mat& live, const cv::Mat& portrait);

 private:
  struct Sface;
  FaceMatcher(std::unique_ptr<FaceDetector> detector, std::unique_ptr<Sface> sface, double threshold);
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<Sface> sface_;  // null: the classical method
  double threshold_;
};

}  // namespace kiosk::face
