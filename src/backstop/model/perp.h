// File: model/perp.h
// A perpetual futures market: margin tiers by notional, open-interest caps, oracle/mark and the
// cumulative funding index. Pure data, owned by State.
//
// Notional, tier bounds and deductions are in the QUOTE asset's native quanta (e.g. USDC 10^-6);
// the mark price is quote units per whole base unit (Price scale 10^-9).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

// One bracket of a tiered margin table (Binance USD-M brackets, Hyperliquid margin tiers, dYdX
// liquidity tiers with a single bracket). A position whose notional is >= notional_floor (and below
// the next floor) uses this bracket's rates. Requirements are continuous across brackets:
//   MM = notional * maint_rate - maint_deduction,
//   deduction(n) = deduction(n-1) + floor(n) * (rate(n) - rate(n-1))   (Binance "maintenance
//   amount")
// Deductions are derived from the table, never entered by hand.
struct MarginTier {
  Quantity notional_floor{};  // quote quanta
  Ratio initial_rate{};
  Ratio maint_rate{};
};

struct PerpParams {
  std::string symbol;
  int base_decimals = 8;  // position size quanta per whole base unit = 10^base_decimals
  AssetId quote = 0;      // settlement asset (USDC, USDT): PnL and funding land in its balance
  std::vector<MarginTier> tiers;   // sorted by notional_floor, first floor = 0
  std::optional<Quantity> oi_cap;  // max open interest per side, base quanta
  std::optional<int64_t> max_price_age_s;
  std::optional<Ratio> max_price_move;
};

struct PerpState {
  Price oracle{};
  Price mark{};
  Timestamp price_time = 0;
  // Cumulative funding paid by a long of one whole base unit, in quote units (Price scale).
  // A position settles (index_now - index_at_open) * size; positive rates make longs pay.
  Price funding_index{};
  Quantity long_oi{};   // sum of long sizes, base quanta
  Quantity short_oi{};  // sum of |short sizes|
};

// base quanta * (quote units per whole base unit, Price scale) -> quote quanta, rounded as asked:
// quote = size * price * 10^quote_decimals / 10^(base_decimals + 9). Used for fills, funding and
// notional; exact for any int64 inputs (throws OverflowError if the result does not fit).
[[nodiscard]] Quantity to_quote(int128 size, int128 price, int base_decimals, int quote_decimals,
                                Rounding r);

}  // namespace backstop
