// A private PostgreSQL server for the tests of the office's index on PostgreSQL: a cluster made
// by Debian's initdb in a scratch folder, listening only on a Unix socket in that folder, stopped
// and removed at the end. As root (CI), the server runs as the postgres user, as it refuses root.
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/support/test_support.hpp"

namespace kiosk::testing {

class PostgresServer {
 public:
  PostgresServer() {
    for (const auto& version : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored_)) {
      if (std::filesystem::exists(version.path() / "bin" / "initdb")) bin_ = version.path() / "bin";
    }
    if (bin_.empty()) {
      error_ = "no PostgreSQL server under /usr/lib/postgresql (tools/bootstrap installs it)";
      return;
    }
    if (getuid() == 0) {
      const passwd* postgres = getpwnam("postgres");
      if (postgres == nullptr || chown(dir_.path().c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
        error_ = "running as root, the cluster needs the postgres user to own " + dir_.path().string();
        return;
      }
      as_ = "runuser -u postgres -- ";
    }
    const auto made = run(bin_ / "initdb", "-D " + data() + " -U postgres -A trust --no-locale -E UTF8 --no-sync");
    if (made.exit_code != 0) {
      error_ = "initdb failed: " + made.output;
      return;
    }
    start();
  }
  ~PostgresServer() { stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Empty while the server runs; otherwise why it does not.
  const std::string& error() const { return error_; }
  // A libpq connection URI to database `db` as the postgres user.
  std::string uri(const std::string& db = "postgres") const {
    return "postgresql:///" + db + "?host=" + dir_.path().string() + "&user=postgres";
  }

  void start() {
    const auto started = run(bin_ / "pg_ctl", "-D " + data() + " -l " + (dir_ / "server.log").string() +
                                                  " -w -o \"-k " + dir_.path().string() +
                                                  " -c listen_addresses=''\" start");
    if (started.exit_code != 0) error_ = "the server did not start: " + started.output + read_file(dir_ / "server.log");
    running_ = started.exit_code == 0;
  }
  void stop() {
    if (running_) run(bin_ / "pg_ctl", "-D " + data() + " -m fast -w stop");
    running_ = false;
  }

 private:
  std::string data() const { return (dir_ / "data").string(); }
  ProgramRun run(const std::filesystem::path& program, const std::string& arguments) const {
    return run_program(as_ + program.string() + " " + arguments);
  }

  std::error_code ignored_;
  ScratchDir dir_;
  std::filesystem::path bin_;
  std::string as_;  // the command prefix that runs a program as the postgres user, as root
  std::string error_;
  bool running_ = false;
};

}  // namespace kiosk::testing
