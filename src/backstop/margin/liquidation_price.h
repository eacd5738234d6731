// File: margin/liquidation_price.h
// Liquidation price of an account for each price that drives it, other prices held fixed, and the
// sensitivity of its debt-to-equity ratio to each price. Pure; thread-safe.
//
// Definition: for a driver with current price p0, the liquidation price is the price nearest to p0,
// on the side where the account's maintenance excess falls, at which the account becomes
// liquidatable (weighted_collateral_maint < maint_requirement), to one price tick (10^-9).
// `analytic`: the excess is affine in this price between p0 and the bracket found (one linear
//   piece: no tier change, no PnL sign change), and the closed form of the line's zero was
//   confirmed on the exact integer valuation; otherwise the price is found by bracketing and
//   bisection on the exact valuation ("numeric"). Prices beyond 64 bits end the search.
#pragma once

#include <optional>
#include <vector>

#include "backstop/margin/cache.h"

namespace backstop {

enum class DriverKind : uint8_t { Asset, Market };  // asset oracle price or perp mark price
enum class SolveMethod : uint8_t { Analytic, Numeric };

struct DriverRisk {
  DriverKind kind = DriverKind::Asset;
  uint16_t id = 0;
  Price current{};
  std::optional<Price> liquidation_price;  // none: already liquidatable, or no price in range
  std::optional<Ratio> distance;           // (liquidation - current) / current, signed, toward 0
  SolveMethod method = SolveMethod::Numeric;
  bool already_liquidatable =
      false;  // excess_maint < 0 now (liquidatable, or would be on fresh prices)
  // d(D/E)/d(price): change of debt-to-equity per one quote unit of price (statistic, double).
  std::optional<double> dte_delta;
};

// One entry per driver (assets with a non-zero balance, markets with a position), in id order.
[[nodiscard]] std::vector<DriverRisk> driver_risks(const MarginCache& c, const MarginAccount& a);

}  // namespace backstop
