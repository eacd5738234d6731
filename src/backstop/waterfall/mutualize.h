// File: waterfall/mutualize.h
// Loss mutualization rules: exact integer math that recovers AT LEAST the loss (rounding never
// creates money for the venue's counterparties), with the excess bounded as documented here and in
// docs/waterfall.md. Pure functions; no I/O; thread-safe; the caller owns the state it updates.
//
// 1. Supplier haircut (Drift resolve_spot_bankruptcy, Morpho Blue and Euler debt socialisation;
//    ../shared/reference/perp-venues.md a.2, lending-protocols.md §5, §6).
//    Suppliers hold scaled balances s_i worth floor(s_i * I / 10^12) quanta (model/asset.h);
//    S = Σ s_i.
//      delta     = ceil(loss * 10^12 / S)          (Index raw units; the index moves Down)
//      new_index = I - delta                       (0 if that would be negative: loss > supply)
//      absorbed  = floor(S * I / 10^12) - floor(S * new_index / 10^12)   (drop of total supply)
//    loss <= absorbed <= loss + ceil(S / 10^12) when the supply covers the loss.
//
// 2. Open-interest socialisation through the cumulative funding index (Drift
//    resolve_perp_bankruptcy, Mango perp bankruptcy; perp-venues.md a.2, a.3). Both sides pay:
//      delta = ceil(loss * 10^(base_decimals + 9) / ((long_oi + short_oi) * 10^quote_decimals))
//    in Price units (quote per whole base unit, 10^-9); the long index goes up by delta, the short
//    index down by delta (the caller keeps one index per side; a position of |b| base quanta then
//    owes to_quote(|b|, delta, Up) at its next funding settlement, model/perp.h).
//      collects_at_least = floor(OI * delta * 10^qd / 10^(bd + 9))  >=  loss
//      collects_at_least - loss < max(1, ceil(OI * 10^qd / 10^(bd + 9)))  (one Price tick per unit)
//    and per-position Up rounding adds at most one quantum per position on top.
//    OI = 0: nothing to socialise over (nullopt): the loss goes to the next layer.
//
// 3. Borrower redistribution (Liquity v1 _redistributeDebtAndColl, lending-protocols.md §4.1):
//    debt D and collateral C are split over recipients pro rata to stake, each by exact largest
//    remainder (apportion.h), ties by account id: Σ debt == D and Σ collateral == C exactly.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

struct HaircutResult {
  Index new_index{};      // <= the old index, rounded down
  Quantity absorbed{};    // drop of the total supply; >= loss unless unabsorbed > 0
  Quantity unabsorbed{};  // > 0 only when the whole supply is smaller than the loss (index 0)
};

// nullopt when total_scaled == 0 (no suppliers to haircut). Throws std::invalid_argument on a
// negative loss, negative total_scaled or a non-positive index.
[[nodiscard]] std::optional<HaircutResult> supplier_haircut(Index supply_index,
                                                            int64_t total_scaled, Quantity loss);

struct OiSocialization {
  Price long_index_delta{};   // +delta: added to the longs' cumulative funding index
  Price short_index_delta{};  // -delta: added to the shorts' index
  Quantity collects_at_least{};
  Quantity excess_bound{};  // collects_at_least - loss < excess_bound (>= 1)
};

// nullopt when long_oi + short_oi == 0 (cannot socialise). OI sizes are base quanta, both >= 0
// (short_oi is the sum of |short sizes|); loss is quote quanta >= 0. Throws std::invalid_argument
// on negative inputs, OverflowError if delta does not fit a Price.
[[nodiscard]] std::optional<OiSocialization> socialize_over_oi(Quantity loss, Quantity long_oi,
                                                               Quantity short_oi, int base_decimals,
                                                               int quote_decimals);

struct RedistributionRecipient {
  AccountId account = 0;
  Quantity stake{};  // >= 0 (Liquity: the trove's stake, in collateral quanta)
};
struct RedistributionShare {
  AccountId account = 0;
  Quantity debt{};
  Quantity collateral{};
};

// One share per recipient, in input order. nullopt when the stakes sum to 0 (nobody to receive).
// Throws std::invalid_argument on negative amounts or stakes or an account listed twice.
[[nodiscard]] std::optional<std::vector<RedistributionShare>> redistribute(
    Quantity debt, Quantity collateral, std::span<const RedistributionRecipient> recipients);

}  // namespace backstop
