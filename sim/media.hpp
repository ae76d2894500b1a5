// Generated media for the simulated scanner and camera: a document page and camera videos.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include <opencv2/core.hpp>

namespace kiosk::sim {

// A white page with a title, a photo box and lines of text, 8-bit BGR.
cv::Mat render_test_page(int width, int height, std::uint32_t seed);

// Writes `count` frames made by `frame(i)` (8-bit BGR, all the same size) as a Motion-JPEG AVI,
// which OpenCV reads back without any codec library. Throws std::runtime_error on failure.
void write_mjpeg_video(const std::filesystem::path& file, int count, double fps,
                       const std::function<cv::Mat(int)>& frame);

// A camera video of a person in front of the kiosk, made from a portrait image: the face sways
// and breathes a little, as a live face does. Throws std::runtime_error when the portrait is
// missing or unreadable.
void write_face_video(const std::filesystem::path& portrait, const std::filesystem::path& file,
                      cv::Size size, double fps, double seconds);

}  // namespace kiosk::sim
