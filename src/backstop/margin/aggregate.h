// File: margin/aggregate.h
// Venue-wide and per-market aggregates: supply, debt, utilisation, open interest and how much of
// each cap and ceiling is used. Pure; thread-safe. Values are in USD (Value) at oracle prices.
#pragma once

#include <optional>
#include <vector>

#include "backstop/margin/cache.h"

namespace backstop {

struct AssetAggregate {
  AssetId asset = 0;
  Quantity total_supply{};  // rounded down
  Quantity total_borrow{};  // rounded up
  Value supply_value{};
  Value borrow_value{};
  Ratio utilization{};
  Ratio borrow_rate{};  // annual
  Ratio supply_rate{};  // annual
  std::optional<Ratio> supply_cap_utilization;
  std::optional<Ratio> borrow_cap_utilization;
  std::optional<Ratio> debt_ceiling_utilization;  // borrow_value / debt_ceiling
  Value isolation_debt{};
  std::optional<Ratio> isolation_ceiling_utilization;  // isolation_debt / isolation_ceiling
};

struct MarketAggregate {
  MarketId market = 0;
  Quantity long_oi{};
  Quantity short_oi{};
  Value oi_notional{};                      // max(long, short) * mark, valued in USD
  std::optional<Ratio> oi_cap_utilization;  // max(long, short) / oi_cap
};

struct VenueAggregate {
  std::vector<AssetAggregate> assets;
  std::vector<MarketAggregate> markets;
  Value total_collateral{};  // sum over accounts of collateral_value
  Value total_debt{};        // sum over accounts of total_debt (borrows + perp losses)
  Value total_borrow_value{};
  std::optional<Ratio> global_debt_ceiling_utilization;
  uint64_t accounts = 0;
  uint64_t liquidatable_accounts = 0;
  uint64_t stale_accounts = 0;  // accounts whose prices are not usable
};

[[nodiscard]] VenueAggregate aggregate(const State& s, const MarginCache& c);

}  // namespace backstop
