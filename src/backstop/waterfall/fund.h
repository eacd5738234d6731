// File: waterfall/fund.h
// The two funded layers of the loss waterfall: the insurance fund and a staked first-loss tranche.
// Pure value types and pure functions; no I/O; thread-safe (no shared state). The caller owns the
// structs and applies the returned copies.
//
// Units: every amount is in native quanta of ONE asset, the asset of the deficit being covered
// (the caller converts a fund held in another asset before planning, e.g. Umbrella's oracle
// conversion, ../shared/reference/lending-protocols.md §1.5).
//
// Insurance fund (../shared/reference/perp-venues.md a.1, a.2, (d) item 6):
//   available = min( balance - min_balance                       Drift keeps >= 1 unit in the vault
//                  , market cap - paid for that market           Drift quote_max_insurance -
//                                                                 quote_settled_insurance
//                  , step cap - paid in this step )              dYdX per-block IF loss cap
//   each term floored at 0; a missing cap is no limit. The fund never goes below min_balance.
//
// Staked tranche (Aave Safety Module / Umbrella, lending-protocols.md §1.5: max slash 30%):
//   a period's slashes total at most floor(max_slash * B), B = the stake at the FIRST slash of the
//   period (recorded in period_base), and never more than what is staked. Fixing B at the first
//   slash means repeated slashes in one period cannot compound past max_slash of the stake the
//   period started slashing from (30% then 30% of the rest would be 51%), and a stake that grows
//   after the first slash (new deposits) does not raise the period's cap. start_slash_period()
//   opens a new period (governance / time based; the caller decides when).
#pragma once

#include <optional>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

// Per-market payout cap (Drift quote_max_insurance per contract tier; 0 = no insurance for it).
struct MarketInsuranceCap {
  MarketId market = 0;
  Quantity max{};   // total the fund may ever pay for this market
  Quantity paid{};  // already paid for this market (quote_settled_insurance)
};

struct InsuranceFund {
  Quantity balance{};
  Quantity min_balance{};                       // never paid out (Drift: 1 quantum)
  std::vector<MarketInsuranceCap> market_caps;  // at most one entry per market; absent = uncapped
  std::optional<Quantity> step_cap;             // per step (dYdX per-block insurance loss cap)
  Quantity step_paid{};                         // paid so far in the current step
};

struct StakedTranche {
  Quantity staked{};
  Ratio max_slash{};                      // fraction of the period base, in [0, 1]
  Quantity slashed_in_period{};           // slashed so far in the current period
  std::optional<Quantity> period_base{};  // stake at the first slash of the period; none = no slash
};

// What the fund may pay now for a deficit of `market` (none: a deficit not tied to a market, e.g. a
// spot borrow; only the balance, minimum and step cap apply). Throws std::invalid_argument on a
// negative amount or a market listed twice.
[[nodiscard]] Quantity insurance_available(const InsuranceFund& f, std::optional<MarketId> market);

// The fund after paying `amount` for `market`: balance, the market's paid and step_paid grow.
// Throws std::invalid_argument if amount < 0 or amount > insurance_available(f, market).
[[nodiscard]] InsuranceFund pay_from_fund(InsuranceFund f, std::optional<MarketId> market,
                                          Quantity amount);

// A fee inflow (liquidation fee, IF share of fees) credited to the fund. fee >= 0.
[[nodiscard]] InsuranceFund credit_fee(InsuranceFund f, Quantity fee);

// Starts a new step (block): step_paid = 0.
[[nodiscard]] InsuranceFund start_fund_step(InsuranceFund f);

// dYdX GetLiquidationInsuranceFundDelta (perp-venues.md a.1) for a fill whose surplus over the
// bankruptcy price is `surplus` (quote quanta, > 0) and whose quote amount is `fill_quote`:
// the fund receives min(surplus, floor(|fill_quote| * max_fee_rate)); the rest stays with the user.
// A surplus <= 0 is a shortfall (returned unchanged, negative: the fund pays it).
[[nodiscard]] Quantity capped_liquidation_fee(Quantity surplus, Quantity fill_quote,
                                              Ratio max_fee_rate);

// What may be slashed now: min(staked, floor(max_slash * base) - slashed_in_period), >= 0,
// base = period_base or, before the period's first slash, staked. Throws std::invalid_argument
// on negative amounts or max_slash outside [0, 1].
[[nodiscard]] Quantity slash_available(const StakedTranche& t);

// The tranche after slashing `amount` (records period_base at the period's first slash).
// Throws std::invalid_argument if amount < 0 or amount > slash_available(t).
[[nodiscard]] StakedTranche slash(StakedTranche t, Quantity amount);

// Opens a new slashing period: slashed_in_period = 0, no period_base.
[[nodiscard]] StakedTranche start_slash_period(StakedTranche t);

}  // namespace backstop
