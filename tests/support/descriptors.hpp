// A process out of file descriptors, for testing servers under it: the soft limit is lowered and
// filled with idle TCP connections to the server's port (as idle clients would), and put back on
// release. Also the process's CPU time, to tell a waiting loop from a spinning one.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

namespace kiosk::testing {

class DescriptorsExhausted {
 public:
  explicit DescriptorsExhausted(unsigned short port) {
    ::getrlimit(RLIMIT_NOFILE, &before_);
    int open_now = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) (void)e, ++open_now;
    rlimit lowered = before_;
    lowered.rlim_cur = static_cast<rlim_t>(open_now + 40);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    for (int i = 0; i < 80; ++i) {  // until socket() itself finds no descriptor
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        reached_ = true;
        break;
      }
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        break;
      }
      idle_.push_back(fd);
    }
  }
  ~DescriptorsExhausted() { release(); }
  DescriptorsExhausted(const DescriptorsExhausted&) = delete;
  DescriptorsExhausted& operator=(const DescriptorsExhausted&) = delete;

  bool reached() const { return reached_; }  // the limit was met
  void release() {
    for (int fd : idle_) ::close(fd);
    idle_.clear();
    ::setrlimit(RLIMIT_NOFILE, &before_);
  }

 private:
  rlimit before_{};
  std::vector<int> idle_;
  bool reached_ = false;
};

inline std::chrono::microseconds process_cpu_time() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace kiosk::testing
