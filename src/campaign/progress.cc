#include "campaign/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace nnd::campaign {

namespace {

std::string duration_text(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(seconds));
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m", total / 3600, total / 60 % 60);
}

}  // namespace

Progress::Progress(int64_t total, bool quiet)
    : total_(total),
      quiet_(quiet),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::advance(int64_t done, int64_t failures) {
  done_ += done;
  failures_ += failures;
}

void Progress::current(const std::string& what) {
  std::lock_guard lock(mutex_);
  current_ = what;
}

std::string Progress::line() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  const std::string eta =
      rate > 0 ? duration_text(static_cast<double>(total_ - done_) / rate) : "?";
  return fmt::format("{}/{} predictions, {:.0f}/s, ETA {}, failures {}, now: {}", done_, total_,
                     rate, eta, failures_, current_);
}

ProgressState Progress::state() {
  std::lock_guard lock(mutex_);
  ProgressState s;
  s.done = done_;
  s.total = total_;
  s.failures = failures_;
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  s.rate = s.elapsed_s > 0 ? static_cast<double>(done_) / s.elapsed_s : 0;
  s.current = current_;
  return s;
}

void Progress::note(const std::string& text) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "{}{}\n", tty_ && drawn_ ? "\r\033[K" : "", text);
}

void Progress::tick() {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(10))) return;
  last_draw_ = now;
  std::lock_guard lock(mutex_);
  if (tty_)
    fmt::print(stderr, "\r\033[K{}", line());
  else
    fmt::print(stderr, "progress: {}\n", line());
  drawn_ = true;
}

void Progress::finish() {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "{}progress: {}\n", tty_ && drawn_ ? "\r\033[K" : "", line());
}

}  // namespace nnd::campaign
