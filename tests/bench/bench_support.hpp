// What every benchmark here needs: medians, and running on one core as the issues measure.
#pragma once

#include <algorithm>
#include <vector>

#include <sched.h>

namespace kiosk::bench {

inline double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  if (n == 0) return 0;
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Pins this process, and the threads it starts afterwards, to the first core.
inline void run_on_one_core() {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  sched_setaffinity(0, sizeof one, &one);
}

}  // namespace kiosk::bench
