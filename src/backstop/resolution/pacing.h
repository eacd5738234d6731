// File: resolution/pacing.h
// Pure sizing rules that limit how much of a perp position one liquidation may close: Drift's
// time-paced percentage and Hyperliquid's chunks for large positions (parameters and sources:
// resolution/config.h PerpPacing, PerpChunks). Values in USD (Value, 1e-6), sizes in base quanta,
// times in seconds. Deterministic, no state; thread-safe.
#pragma once

#include <optional>

#include "backstop/resolution/config.h"

namespace backstop {

// The share (Ratio in [0, 1]) of the base that covers `shortage` which may be closed now, after
// `elapsed_s` seconds of liquidation with `freed` margin already freed in the episode:
// 1 when shortage < small_shortage; else allowed = floor((shortage + freed) x pct_freeable) - freed
// with pct_freeable = min(1, initial_pct + floor(elapsed_s x 1e9 / duration_s) / 1e9), and the
// share is 0 when allowed <= 0, 1 when allowed >= shortage, else floor(allowed / shortage).
// Throws std::invalid_argument when duration_s <= 0 or elapsed_s < 0.
[[nodiscard]] Ratio drift_max_pct_to_liquidate(Value shortage, Value freed, int64_t elapsed_s,
                                               const PerpPacing& p);

// The most base quanta the next book liquidation order may close: |size| unless the notional is
// above the threshold and no chunk was sent within the cooldown (`since_last_chunk_s` < cooldown),
// in which case min(|size|, ceil(|size| x fraction)).
[[nodiscard]] Quantity hyperliquid_chunk_size(Quantity size, Value notional,
                                              std::optional<int64_t> since_last_chunk_s,
                                              const PerpChunks& c);
// Whether that order is a chunk (smaller than the position).
[[nodiscard]] bool hyperliquid_is_chunk(Quantity size, Value notional,
                                        std::optional<int64_t> since_last_chunk_s,
                                        const PerpChunks& c);

}  // namespace backstop
