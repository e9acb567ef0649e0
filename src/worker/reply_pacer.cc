#include "worker/reply_pacer.h"

#include <algorithm>

namespace nnd::worker {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

std::optional<ReplyPacer::Clock::time_point> ReplyPacer::wait_from() const {
  if (!measured_ || latency_ < kMinLatency || since_waited_ >= kWaitEvery - 1) return std::nullopt;
  const nanoseconds margin = microseconds(100) + latency_ / 50;
  return *written_ + latency_ + between_ + margin;
}

void ReplyPacer::replied(Clock::time_point seen, bool waited, bool queued, nanoseconds latency) {
  if (waited) {
    // Two waited-for replies in a row, the second's request queued before the first was written:
    // the time between them is one run and the worker's own work around it.
    if (written_ && last_waited_queued_) {
      between_ = seen - *written_ - latency;
      measured_ = true;
    } else if (written_ && since_waited_ > 0) {
      // After replies that were already there: spread the estimate's error over them.
      between_ += (seen - (*written_ + latency + between_)) / (since_waited_ + 1);
    }
    between_ = std::clamp(between_, nanoseconds(0), latency / 4);
    written_ = seen;
    since_waited_ = 0;
  } else if (written_) {
    written_ = *written_ + latency + between_;
    ++since_waited_;
  }
  last_waited_queued_ = waited && queued;
  latency_ = latency;
}

}  // namespace nnd::worker
