// File: margin/rebalance.h
// Collateral-to-debt balancing: for one account, the smallest single action that restores a target
// health factor (weighted_collateral_maint >= target * maint_requirement), everything else
// unchanged. Pure functions of (cache, account); thread-safe.
//
//   minimal_repay      repay x of a borrowed asset from outside funds   (x rounded up, exact)
//   minimal_top_up     deposit x of a collateral asset                  (x rounded up, exact)
//   minimal_reduction  close x base quanta of a perp position at the mark (x rounded up, exact)
//
// Each is the least amount in native quanta for which the target holds on the exact integer
// valuation (binary search over a monotone predicate), or nullopt when no amount of that action
// reaches the target (e.g. repaying all of one debt is not enough). Target 1 = "no longer
// liquidatable"; a margin-ratio target r corresponds to health 1 / r for a perp-only account.
#pragma once

#include <optional>

#include "backstop/margin/cache.h"

namespace backstop {

[[nodiscard]] bool meets_health(const MarginCache& c, const MarginAccount& a, Ratio target);

[[nodiscard]] std::optional<Quantity> minimal_repay(const MarginCache& c, const MarginAccount& a,
                                                    AssetId debt_asset, Ratio target);
[[nodiscard]] std::optional<Quantity> minimal_top_up(const MarginCache& c, const MarginAccount& a,
                                                     AssetId collateral_asset, Ratio target);
[[nodiscard]] std::optional<Quantity> minimal_reduction(const MarginCache& c,
                                                        const MarginAccount& a, MarketId market,
                                                        Ratio target);

}  // namespace backstop
