// File: margin/risk.h
// Risk metrics of one margin account. Pure functions of (cache, account); no mutation, no I/O;
// thread-safe. Formulas, units and rounding are specified in docs/metrics.md; in short (all Value,
// US dollars at 10^-6, each rounded in the direction that favours solvency):
//
//   collateral_value     = sum deposits * price                     + max(net perp PnL, 0)
//   weighted_collateral  = sum deposits * price * weight            + max(net perp PnL, 0) * upnl_w
//   total_debt           = sum borrows * price                      + max(-net perp PnL, 0)
//   equity               = collateral_value - total_debt
//   requirement          = sum borrows * price * borrow_weight + |net perp PnL<0| + sum perp margin
//   margin (MM / IM)     = equity - (weighted_collateral - requirement)   (the haircut form)
//   health_factor        = weighted_collateral_maint / maint_requirement          (none if 0 debt)
//   liquidatable         <=> weighted_collateral_maint < maint_requirement  and prices usable
//
// Perp PnL and margin are summed exactly per quote asset over a common denominator and rounded
// once; token balances are rounded per balance.
#pragma once

#include <optional>

#include "backstop/margin/cache.h"

namespace backstop {

struct AccountRisk {
  Value collateral_value{};
  Value weighted_collateral_initial{};
  Value weighted_collateral_maint{};
  Value total_debt{};
  Value equity{};
  Value initial_requirement{};
  Value maint_requirement{};
  Value initial_margin{};      // equity - (weighted_collateral_initial - initial_requirement)
  Value maintenance_margin{};  // equity - (weighted_collateral_maint - maint_requirement)
  Value perp_notional{};       // sum |size| * mark, valued in USD (rounded up)
  Value unrealized_pnl{};      // net perp PnL incl. unsettled funding (rounded down)
  Value free_collateral{};     // weighted_collateral_initial - initial_requirement (may be < 0)
  Value excess_maint{};        // weighted_collateral_maint - maint_requirement
  std::optional<Ratio> health_factor;       // down; none when maint_requirement == 0
  std::optional<Ratio> margin_ratio;        // maintenance_margin / equity, up; none if equity <= 0
  std::optional<Ratio> debt_coverage;       // weighted_collateral_maint / total_debt, down
  std::optional<Ratio> collateral_to_debt;  // collateral_value / total_debt, down
  std::optional<Ratio> debt_to_equity;      // total_debt / equity, up; none if equity <= 0
  bool prices_usable = true;  // every price the account depends on is positive and fresh
  bool liquidatable = false;
  bool initial_ok = true;  // weighted_collateral_initial >= initial_requirement
};

[[nodiscard]] AccountRisk compute_risk(const MarginCache& c, const MarginAccount& a);

// Only the maintenance excess (weighted_collateral_maint - maint_requirement), for solvers and
// monitors. Same rounding as compute_risk.
[[nodiscard]] Value maint_excess(const MarginCache& c, const MarginAccount& a);

// compute_risk(c, a).liquidatable (prices usable and a negative maintenance excess), from the
// maintenance terms only.
[[nodiscard]] bool liquidatable(const MarginCache& c, const MarginAccount& a);

// compute_risk(c, a)'s collateral_value and total_debt, from the equity terms only.
struct CollateralAndDebt {
  Value collateral{};
  Value debt{};
};
[[nodiscard]] CollateralAndDebt collateral_and_debt(const MarginCache& c, const MarginAccount& a);

// Only the equity (collateral_value - total_debt), e.g. for a scan of underwater accounts. Same
// rounding as compute_risk. Never below maint_excess: the weights are at most 1 on collateral and
// at least 1 on debt, and margins are not negative.
[[nodiscard]] Value account_equity(const MarginCache& c, const MarginAccount& a);

}  // namespace backstop
