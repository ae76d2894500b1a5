// Linked into every test: a test that crashes prints where, so that a crash seen once on a busy CI
// machine can be read from the log. The sanitizer build leaves this to ASan, which says more.
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace {

void report(int signal) {
  // Only async-signal-safe calls here (backtrace is made safe by the warm-up below).
  const char* name = strsignal(signal);
  (void)!write(STDERR_FILENO, "\n*** test crashed: ", 19);
  (void)!write(STDERR_FILENO, name, std::strlen(name));
  (void)!write(STDERR_FILENO, "; its stack (addr2line -e THE_TEST -Cf ADDRESS names a frame):\n", 63);
  std::array<void*, 64> frames{};
  backtrace_symbols_fd(frames.data(), backtrace(frames.data(), static_cast<int>(frames.size())), STDERR_FILENO);
  raise(signal);  // SA_RESETHAND restored the default: the process ends as it would have
}

const bool installed = [] {
#if !defined(__SANITIZE_ADDRESS__)
  std::array<void*, 1> warm{};
  backtrace(warm.data(), 1);  // loads libgcc now, not inside the handler
  static std::array<char, 64 * 1024> stack{};
  stack_t alternate{};
  alternate.ss_sp = stack.data();
  alternate.ss_size = stack.size();
  sigaltstack(&alternate, nullptr);
  struct sigaction action {};
  action.sa_handler = report;
  action.sa_flags = SA_RESETHAND | SA_ONSTACK;
  for (const int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(signal, &action, nullptr);
#endif
  return true;
}();

}  // namespace
