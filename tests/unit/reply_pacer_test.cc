#include "worker/reply_pacer.h"

#include <gtest/gtest.h>

#include <random>

namespace nnd::worker {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Time = ReplyPacer::Clock::time_point;

const Time t0{};
constexpr microseconds kLatency{5000};

// When the pacer says to start waiting, in microseconds after t0; -1 for now.
int64_t wait_from_us(const ReplyPacer& pacer) {
  const auto from = pacer.wait_from();
  return from ? std::chrono::duration_cast<microseconds>(*from - t0).count() : -1;
}

TEST(ReplyPacer, WaitsUntilTwoRepliesInARowHaveBeenTimed) {
  ReplyPacer pacer;
  EXPECT_FALSE(pacer.wait_from());
  pacer.replied(t0, /*waited=*/true, /*queued=*/true, kLatency);
  EXPECT_FALSE(pacer.wait_from());
  // 150 us between two replies beyond the run; margin 100 us + 1/50 of the latency.
  pacer.replied(t0 + microseconds(5150), true, true, kLatency);
  EXPECT_EQ(wait_from_us(pacer), 5150 + 5000 + 150 + 100 + 100);
}

TEST(ReplyPacer, ARunThatWasNotQueuedTellsNothingAboutTheTimeBetween) {
  ReplyPacer pacer;
  pacer.replied(t0, true, /*queued=*/false, kLatency);
  pacer.replied(t0 + microseconds(9000), true, true, kLatency);  // the worker sat idle
  EXPECT_FALSE(pacer.wait_from());
}

TEST(ReplyPacer, FastRepliesAreAlwaysWaitedFor) {
  ReplyPacer pacer;
  pacer.replied(t0, true, true, microseconds(900));
  pacer.replied(t0 + microseconds(1000), true, true, microseconds(900));
  EXPECT_FALSE(pacer.wait_from());
}

TEST(ReplyPacer, AReplyFoundWaitingMovesTheEstimateByOneRunNotToWhenItWasSeen) {
  ReplyPacer pacer;
  pacer.replied(t0, true, true, kLatency);
  pacer.replied(t0 + microseconds(5150), true, true, kLatency);
  pacer.replied(t0 + milliseconds(12), /*waited=*/false, true, kLatency);
  EXPECT_EQ(wait_from_us(pacer), 5150 + 2 * 5150 + 200);
}

TEST(ReplyPacer, EveryEighthReplyIsWaitedFor) {
  ReplyPacer pacer;
  pacer.replied(t0, true, true, kLatency);
  Time seen = t0 + microseconds(5150);
  pacer.replied(seen, true, true, kLatency);
  for (int i = 0; i < ReplyPacer::kWaitEvery - 1; ++i) {
    ASSERT_TRUE(pacer.wait_from()) << i;
    seen = *pacer.wait_from();
    pacer.replied(seen, false, true, kLatency);
  }
  EXPECT_FALSE(pacer.wait_from());
  pacer.replied(seen + microseconds(5150), true, true, kLatency);
  EXPECT_TRUE(pacer.wait_from());
}

TEST(ReplyPacer, AWaitedReplyCorrectsTheTimeBetweenByItsErrorSpreadOverTheRunsSince) {
  ReplyPacer pacer;
  pacer.replied(t0, true, true, kLatency);
  pacer.replied(t0 + microseconds(5100), true, true, kLatency);  // 100 us between
  pacer.replied(t0 + milliseconds(11), false, true, kLatency);   // estimated at 10.2 ms
  pacer.replied(t0 + milliseconds(15), false, true, kLatency);   // estimated at 15.3 ms
  // Really written at 20.7 ms instead of the 20.4 ms estimated: 300 us over 3 runs.
  pacer.replied(t0 + microseconds(20700), true, true, kLatency);
  EXPECT_EQ(wait_from_us(pacer), 20700 + 5000 + 200 + 200);
}

TEST(ReplyPacer, TheTimeBetweenIsAtMostAQuarterOfTheLatency) {
  ReplyPacer pacer;
  pacer.replied(t0, true, true, kLatency);
  pacer.replied(t0 + milliseconds(9), true, true, kLatency);  // 4 ms between: a stall
  EXPECT_EQ(wait_from_us(pacer), 9000 + 5000 + 1250 + 200);
  pacer.reset();
  EXPECT_FALSE(pacer.wait_from());
}

// A worker whose runs vary by +-3% and whose work between them by +-30 us: most replies are found
// waiting (their write woke nobody), and none is read more than a millisecond after it was written.
TEST(ReplyPacer, OnAJitteryWorkerMostRepliesAreFoundWaitingAndNoneLate) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> jitter(-1.0, 1.0);
  ReplyPacer pacer;
  Time written = t0;
  int found_waiting = 0;
  microseconds latest{0};
  constexpr int kReplies = 2000;
  for (int i = 0; i < kReplies; ++i) {
    const auto latency = microseconds(static_cast<int64_t>(5000 * (1 + 0.03 * jitter(rng))));
    written += latency + microseconds(static_cast<int64_t>(150 + 30 * jitter(rng)));
    const auto from = pacer.wait_from();
    const bool waited = !from || *from < written;
    const Time seen = waited ? written : *from;
    found_waiting += waited ? 0 : 1;
    latest = std::max(latest, std::chrono::duration_cast<microseconds>(seen - written));
    pacer.replied(seen, waited, true, latency);
  }
  EXPECT_GT(found_waiting, kReplies * 3 / 4);
  EXPECT_LT(latest, milliseconds(1));
}

}  // namespace
}  // namespace nnd::worker
