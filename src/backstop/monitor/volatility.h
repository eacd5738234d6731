// File: monitor/volatility.h
// Learns how much each price source moves, for sharing a band's room (band.h, compute_band's
// log2_vol): a source that never moves (a pegged quote) should not hold room that a moving one
// will need. Only performance depends on it; every split of the room is sound.
//
// Measure: the squared relative move r^2 of every observed change (r = |v - v_prev| / v_prev, in
// units of 2^-32, rounded down; r^2 in units of 2^-64), summed per source over windows of event
// time (State::now, seconds). A source's variance rate is the last complete window's sum divided
// by its length; while a window runs, a source that moves more than that already shows it
// (current sum / window length, so a pegged quote that starts to move gets room at once).
//     log2_vol = clamp(20 + (bit_width(rate) - kReferenceBits) / 2, 0, 40)
// with kReferenceBits the bit width of the rate of a price with 100 % annual volatility
// (1 / 31,536,000 per second = 2^-24.9, i.e. ~2^39 in units of 2^-64): such a source gets the
// default kDefaultLog2Volatility (20), one moving 4x less in standard deviation 18, one that did
// not move in the last window 0. Until the first window is complete every source keeps its prior
// (set by the caller, default 20).
//
// Integer arithmetic only: the same observations give the same values. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/monitor/band.h"

namespace backstop {

class VolatilityTracker {
 public:
  static constexpr int kReferenceBits = 40;

  // window_s > 0; prior: log2 volatility per source until the first window is complete.
  VolatilityTracker(int64_t window_s, std::vector<uint8_t> prior);

  // A detect at event time `now` saw source `s` change from `from` to `to` (raw values).
  void observe(SourceId s, int64_t from, int64_t to);
  // Called once per detect, before its observations: closes the window when `now` has passed it.
  // Returns whether the values changed for every source (a window closed).
  bool advance(Timestamp now);

  // Current log2 volatility per source (indexed by SourceId).
  [[nodiscard]] const std::vector<uint8_t>& log2_volatility() const { return out_; }
  [[nodiscard]] bool learned() const { return windows_ > 0; }
  [[nodiscard]] int64_t window() const { return window_s_; }

  // The mapping above, for a variance rate in units of 2^-64 per second.
  [[nodiscard]] static uint8_t log2_of_rate(uint64_t rate);

 private:
  void refresh(SourceId s);

  int64_t window_s_;
  std::vector<uint8_t> out_;
  std::vector<uint64_t> sum_;   // sum of r^2 in the running window (saturating)
  std::vector<uint64_t> rate_;  // per second, last complete window
  Timestamp start_ = 0;
  bool started_ = false;
  int64_t windows_ = 0;  // complete windows
};

}  // namespace backstop
