#include "backstop/monitor/volatility.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

#include "backstop/money/rounding.h"

namespace backstop {

VolatilityTracker::VolatilityTracker(int64_t window_s, std::vector<uint8_t> prior)
    : window_s_(window_s), out_(std::move(prior)) {
  if (window_s_ <= 0) throw std::invalid_argument("volatility window must be > 0 seconds");
  for (uint8_t& v : out_) v = std::min(v, kMaxLog2Volatility);
  sum_.assign(out_.size(), 0);
  rate_.assign(out_.size(), 0);
}

uint8_t VolatilityTracker::log2_of_rate(uint64_t rate) {
  if (rate == 0) return 0;
  const int d = static_cast<int>(std::bit_width(rate)) - kReferenceBits;
  const int half = d >= 0 ? d / 2 : -((-d + 1) / 2);  // floor(d / 2)
  const int v = kDefaultLog2Volatility + half;
  return static_cast<uint8_t>(std::clamp(v, 0, static_cast<int>(kMaxLog2Volatility)));
}

void VolatilityTracker::refresh(SourceId s) {
  if (windows_ == 0) return;  // priors until the first complete window
  // The last window's rate, or what the running window already shows if that is more.
  const uint64_t running = sum_[s] / static_cast<uint64_t>(window_s_);
  out_[s] = log2_of_rate(std::max(rate_[s], running));
}

void VolatilityTracker::observe(SourceId s, int64_t from, int64_t to) {
  if (s >= sum_.size() || from <= 0 || to <= 0 || from == to) return;
  const int128 dv = to > from ? int128{to} - from : int128{from} - to;
  // r = |dv| / from in units of 2^-32, rounded down; moves of 100 % or more count as 100 %.
  const int128 r = std::min<int128>(div_round(dv << 32, from, Rounding::Down),
                                    std::numeric_limits<uint32_t>::max());
  const auto r64 = static_cast<uint64_t>(r);
  const uint64_t sq = r64 * r64;  // < 2^64
  sum_[s] = sum_[s] > std::numeric_limits<uint64_t>::max() - sq
                ? std::numeric_limits<uint64_t>::max()
                : sum_[s] + sq;
  refresh(s);
}

bool VolatilityTracker::advance(Timestamp now) {
  if (!started_) {
    started_ = true;
    start_ = now;
    return false;
  }
  const int64_t elapsed = now - start_;
  if (elapsed < window_s_) return false;
  for (std::size_t s = 0; s < sum_.size(); ++s) {
    rate_[s] = sum_[s] / static_cast<uint64_t>(elapsed);
    sum_[s] = 0;
  }
  start_ = now;
  ++windows_;
  for (SourceId s = 0; s < sum_.size(); ++s) refresh(s);
  return true;
}

}  // namespace backstop
