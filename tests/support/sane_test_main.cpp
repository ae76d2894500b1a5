// main() of the tests that run SANE's test backend. That backend can deadlock inside sane_cancel
// (it cancels its reader thread asynchronously, possibly inside malloc). The driver then reports a
// hung scanner and leaves the thread behind, as it should; but a stuck thread that holds the
// allocator's lock would also hang the normal process exit, after every test has passed. So these
// binaries leave without running exit handlers, once their results are written.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  std::fflush(nullptr);
  std::_Exit(result);
}
