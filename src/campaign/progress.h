#pragma once
// Campaign progress on stderr: a live line on a terminal (done/total, rate, ETA, what is running,
// failures so far), a plain line every 10 s otherwise, nothing with --quiet.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace nnd::campaign {

// Where a campaign stands, for a caller that shows progress its own way (the Python module).
struct ProgressState {
  int64_t done = 0, total = 0, failures = 0;  // predictions
  double elapsed_s = 0, rate = 0;             // predictions per second
  std::string current;                        // what is running: "model environment"
};

class Progress {
 public:
  Progress(int64_t total, bool quiet);
  void advance(int64_t done, int64_t failures);
  void current(const std::string& what);  // from any thread
  void note(const std::string& line);     // a line of its own, e.g. a skipped input
  void tick();                            // redraws when due
  void finish();
  ProgressState state();

 private:
  std::string line() const;
  int64_t total_, done_ = 0, failures_ = 0;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
  std::string current_;
  bool drawn_ = false;
};

}  // namespace nnd::campaign
