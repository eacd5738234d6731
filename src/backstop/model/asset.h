// File: model/asset.h
// An asset: collateral and/or borrowable token, its risk parameters and its lending pool.
// Pure data; owned by State; not thread-safe for concurrent mutation (the engine is single-writer).
#pragma once

#include <optional>
#include <string>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

// Kinked ("jump rate") borrow-rate model, annual rates (Aave v3 DefaultReserveInterestRateStrategy,
// Compound v3 supply/borrow kinks): below the kink rate = base + slope1 * U / kink; above it
// rate = base + slope1 + slope2 * (U - kink) / (1 - kink).
struct RateModel {
  Ratio base_rate{};
  Ratio slope1{};
  Ratio slope2{};
  Ratio optimal_utilization = ratio_one();
};

struct AssetParams {
  std::string symbol;
  int decimals = 6;  // Quantity raw units per whole token = 10^decimals
  // Collateral weights (1 - haircut). initial = LTV / borrow collateral factor; maint = liquidation
  // threshold / liquidate collateral factor. 0 = not usable as collateral.
  Ratio weight_initial{};
  Ratio weight_maint{};
  // Liability weights (>= 1) applied to borrows of this asset in the requirement.
  Ratio borrow_weight_initial = ratio_one();
  Ratio borrow_weight_maint = ratio_one();
  Ratio
      liquidation_bonus{};  // extra collateral paid to a liquidator (used by liquidation policies)
  bool borrowable = false;
  RateModel rates{};
  Ratio reserve_factor{};
  std::optional<Quantity> supply_cap;      // total supplied, native quanta
  std::optional<Quantity> borrow_cap;      // total borrowed, native quanta
  std::optional<Value> debt_ceiling;       // total borrowed of this asset, valued at the oracle
  std::optional<Value> isolation_ceiling;  // set => isolated collateral (Aave isolation mode)
  bool borrowable_in_isolation = false;
  // Oracle guards: a price older than max_price_age_s is stale (no liquidation on it); an update
  // that moves more than max_price_move (fraction of the previous price) is rejected as absurd.
  std::optional<int64_t> max_price_age_s;
  std::optional<Ratio> max_price_move;
};

struct AssetState {
  Price price{};
  Timestamp price_time = 0;
  Index supply_index = index_one();
  Index borrow_index = index_one();
  int64_t total_supply_scaled = 0;  // sum of positive scaled balances
  int64_t total_borrow_scaled = 0;  // sum of |negative| scaled balances
  Timestamp last_accrual = 0;
  Value isolation_debt{};  // principal borrowed against this asset as sole isolated collateral
};

// Total supplied and borrowed in native quanta at the current indexes.
[[nodiscard]] Quantity total_supply(const AssetState& s);  // rounded down
[[nodiscard]] Quantity total_borrow(const AssetState& s);  // rounded up

// Utilisation = borrows / supply (0 when nothing is supplied), rounded up.
[[nodiscard]] Ratio utilization(const AssetState& s);
// Annual borrow and supply rates at utilisation u.
[[nodiscard]] Ratio borrow_rate(const RateModel& m, Ratio u);                        // rounded up
[[nodiscard]] Ratio supply_rate(const RateModel& m, Ratio u, Ratio reserve_factor);  // rounded down

// Balance <-> scaled balance conversions (Aave scaled balances: amount = scaled * index).
[[nodiscard]] Quantity supplied_amount(int64_t scaled, Index supply_index);  // rounded down
[[nodiscard]] Quantity borrowed_amount(int64_t scaled, Index borrow_index);  // rounded up, |scaled|

// Signed balance <-> signed scaled balance (deposit > 0, borrow < 0), rounded in the venue's
// favour both ways: a deposit is worth floor(scaled * supply_index) and is stored as
// floor(amount / supply_index); a borrow owes ceil(|scaled| * borrow_index) and is stored as
// -ceil(|amount| / borrow_index).
[[nodiscard]] Quantity signed_amount(int64_t scaled, Index supply_index, Index borrow_index);
[[nodiscard]] int64_t signed_scaled(Quantity amount, Index supply_index, Index borrow_index);

}  // namespace backstop
