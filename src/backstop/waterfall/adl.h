// File: waterfall/adl.h
// Auto-deleveraging: rank the positions opposite a bankrupt one and allocate fills that close
// exactly min(S, total opposite size) at the bankruptcy price. Pure functions; no I/O; thread-safe.
// Every comparison is exact (cross-multiplied in 256 bits, no floating point); ties are broken by
// account id (smaller first), so the queue is a deterministic strict total order.
//
// Units: sizes are base quanta of the market (> 0, the magnitude of the position); values are
// SIGNED position values in Value units (long > 0, short < 0) so that PnL = mark - entry on both
// sides; equity is the account's equity (Value). The bankruptcy price is carried into the fills.
//
// Rankings (docs/waterfall.md; ../shared/reference/perp-venues.md a.4, a.5, a.6):
//   PnlLeverage  BitMEX / Binance / Bybit. PNL% = (MV - EV) / |EV|,
//                EL = |MV| / (MV - BV) (BV: value at the account's bankruptcy price);
//                score = PNL% * EL if PNL% > 0, else PNL% / EL. A cushion MV - BV <= 0 is infinite
//                leverage: score +inf if PNL% > 0, else 0 (the limit of PNL% / EL).
//   Hyperliquid  (mark / entry) * (notional / equity), notional = |MV|. For shorts we use
//                entry / mark (our reading: the published formula is for the profitable side of a
//                long; mirrored so profit raises the rank of a short too). equity <= 0: +inf.
//   ProRata      each candidate closes a share proportional to its size (largest remainder).
//   RiskAwareProRata (OUR OWN RULE, not a venue's): shares proportional to w = size * L,
//                L = clamp(floor(|MV| * 10^9 / (MV - BV)), 1, kMaxAdlLeverageRaw) as a Ratio raw
//                (L = kMaxAdlLeverageRaw when MV - BV <= 0), capped at each size by water-filling:
//                candidates whose ideal share T * w_i / W reaches their size are closed fully and
//                the rest T' is re-apportioned over the others, until no one is capped; the final
//                round is an exact largest-remainder split.
// Higher score = deleveraged first (for the pro-rata rankings the queue order is by weight).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

enum class AdlRanking : uint8_t { PnlLeverage, Hyperliquid, ProRata, RiskAwareProRata };
enum class PositionSide : uint8_t { Long, Short };

// Leverage cap of RiskAwareProRata: 10^6 x (Ratio raw).
inline constexpr int64_t kMaxAdlLeverageRaw = int64_t{1'000'000} * kRatioOne;

struct AdlCandidate {
  AccountId account = 0;
  Quantity size{};         // > 0, base quanta
  Value entry_value{};     // signed cost basis (non-zero, sign of the side)
  Value mark_value{};      // signed value at the mark (non-zero, sign of the side)
  Value bankrupt_value{};  // signed value at the account's bankruptcy price
  Value equity{};          // account equity (Hyperliquid)
};

struct AdlFill {
  AccountId account = 0;
  Quantity size{};  // > 0, base quanta this candidate closes
  Price price{};    // the bankrupt position's bankruptcy price
};

struct AdlResult {
  std::vector<AdlFill> fills;  // queue order (ranked) or account-id order (pro-rata); no zeros
  Quantity filled{};           // == min(to_close, Σ candidate sizes)
  Quantity unfilled{};         // to_close - filled (opposite OI ran out)
};

// Score comparison without tie-break: > 0 if a is deleveraged before b, < 0 after, 0 equal.
[[nodiscard]] int compare_adl_score(AdlRanking ranking, const AdlCandidate& a,
                                    const AdlCandidate& b);

// The strict total order of the queue: score, then smaller account id.
[[nodiscard]] bool adl_before(AdlRanking ranking, const AdlCandidate& a, const AdlCandidate& b);

// Indexes into `candidates` in queue order.
[[nodiscard]] std::vector<std::size_t> adl_queue(AdlRanking ranking,
                                                 std::span<const AdlCandidate> candidates);

// Closes `to_close` (>= 0, base quanta) of a bankrupt position whose counterparties are
// `candidates`, all on `candidate_side`. Throws std::invalid_argument on a negative amount or size,
// an account listed twice, or (rankings that use values) a zero or wrong-signed entry/mark value.
[[nodiscard]] AdlResult allocate_adl(AdlRanking ranking, PositionSide candidate_side,
                                     Quantity to_close, Price bankruptcy_price,
                                     std::span<const AdlCandidate> candidates);

}  // namespace backstop
