#pragma once
// When the parent of a pipelined worker should start waiting for the next reply.
//
// A write that wakes a reader blocked on the pipe costs the writer 33-70 us on the VMs measured
// (bench/RESULTS.md), a third of the ort worker's whole per-inference overhead on a 5 ms model; a
// write that wakes nobody costs 5-10 us. So while the worker has the next request queued and the
// reply is not due yet, the parent sleeps until just after the reply's expected time instead of
// blocking on the pipe, and finds the reply waiting. Expected times come from the worker's own
// latencies and from replies the parent did wait for, which it does every kWaitEvery-th reply to
// keep its estimate honest. A sleep that ends early costs nothing but the wake it did not avoid;
// one that ends late delays only the sending of a later request, bounded by the margin.
#include <chrono>
#include <optional>

namespace nnd::worker {

class ReplyPacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWaitEvery = 8;
  // Replies faster than this are waited for: sleeps that short are not precise enough to pay.
  static constexpr std::chrono::microseconds kMinLatency{1000};

  // When to start waiting for the next reply, the worker having another request queued behind
  // it; nullopt: wait now.
  std::optional<Clock::time_point> wait_from() const;
  // A reply was read at `seen`: `waited` when the parent was blocked on the pipe when it came
  // (so `seen` is when it was written), not when it was already there. `queued`: the worker had
  // the request after it queued, so it began that one as it wrote this reply.
  void replied(Clock::time_point seen, bool waited, bool queued, std::chrono::nanoseconds latency);
  // Forget everything (a new worker).
  void reset() { *this = ReplyPacer(); }

 private:
  std::optional<Clock::time_point> written_;  // when the last reply was written (estimated)
  std::chrono::nanoseconds latency_{0};       // the worker's latency for the last reply
  std::chrono::nanoseconds between_{0};       // time between two replies beyond the latency
  bool measured_ = false;                     // between_ was measured once
  bool last_waited_queued_ = false;  // the last reply was waited for and its successor queued
  int since_waited_ = 0;
};

}  // namespace nnd::worker
