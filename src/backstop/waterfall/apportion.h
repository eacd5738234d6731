// File: waterfall/apportion.h
// Exact largest-remainder apportionment of an integer total over integer weights, shared by the
// borrower redistribution (mutualize.h) and pro-rata ADL (adl.h). Pure; thread-safe.
//
//   share_i = floor(total * w_i / W) (+1 for the `total - Σ floor` recipients with the largest
//   remainders (total * w_i) mod W, ties broken by the smaller key, then the earlier index)
// so Σ share_i == total exactly, |share_i - total * w_i / W| < 1, a zero weight gets 0, and
// share_i <= w_i whenever total <= W. 256-bit intermediates: no overflow for any int64 total and
// non-negative int128 weights.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backstop/money/int128.h"

namespace backstop {

// total >= 0, weights >= 0 with a positive sum, keys.size() == weights.size() (the tie-break,
// e.g. account ids). Throws std::invalid_argument otherwise.
[[nodiscard]] std::vector<int64_t> apportion(int64_t total, std::span<const int128> weights,
                                             std::span<const uint32_t> keys);

}  // namespace backstop
