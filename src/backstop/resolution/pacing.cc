#include "backstop/resolution/pacing.h"

#include <algorithm>
#include <stdexcept>

#include "backstop/money/rounding.h"

namespace backstop {

Ratio drift_max_pct_to_liquidate(Value shortage, Value freed, int64_t elapsed_s,
                                 const PerpPacing& p) {
  if (p.duration_s <= 0) throw std::invalid_argument("perp pacing: duration must be > 0");
  if (elapsed_s < 0) throw std::invalid_argument("perp pacing: negative elapsed time");
  if (shortage < p.small_shortage) return ratio_one();
  // pct_freeable = min(1, initial + elapsed / duration), Down.
  const int128 ramp = div_round(
      checked_mul(static_cast<int128>(elapsed_s), static_cast<int128>(kRatioOne), "pacing"),
      p.duration_s, Rounding::Down);
  const int128 pct = std::min<int128>(kRatioOne, p.initial_pct.raw() + ramp);
  const int128 total =
      checked_add(static_cast<int128>(shortage.raw()), static_cast<int128>(freed.raw()), "pacing");
  const int128 allowed = mul_div(total, pct, kRatioOne, Rounding::Down) - freed.raw();
  if (allowed <= 0) return Ratio{};
  if (allowed >= shortage.raw()) return ratio_one();
  return Ratio::from_raw(
      narrow64(mul_div(allowed, kRatioOne, shortage.raw(), Rounding::Down), "pacing share"));
}

bool hyperliquid_is_chunk(Quantity size, Value notional, std::optional<int64_t> since_last_chunk_s,
                          const PerpChunks& c) {
  const bool in_cooldown = since_last_chunk_s.has_value() && *since_last_chunk_s < c.cooldown_s;
  return !in_cooldown && notional > c.notional_threshold &&
         apply_ratio(size.abs(), c.fraction, Rounding::Up) < size.abs();
}

Quantity hyperliquid_chunk_size(Quantity size, Value notional,
                                std::optional<int64_t> since_last_chunk_s, const PerpChunks& c) {
  if (!hyperliquid_is_chunk(size, notional, since_last_chunk_s, c)) return size.abs();
  return apply_ratio(size.abs(), c.fraction, Rounding::Up);
}

}  // namespace backstop
