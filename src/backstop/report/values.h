// File: report/values.h
// Named output values: the single list of metric names that the JSON writer, the text writer and
// the scenario [[expect]] blocks share, so that "any key of the metrics object" means the same
// thing everywhere. Pure functions of engine state; no I/O; thread-safe.
//
// Each value carries its exact type (USD value, ratio, price, quantity with its decimals, count,
// boolean, text) so that it can be written as an exact decimal string and compared exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/engine/engine.h"
#include "backstop/margin/aggregate.h"
#include "backstop/margin/liquidation_price.h"
#include "backstop/margin/risk.h"

namespace backstop {

enum class MetricType : uint8_t {
  UsdValue,       // Value, 6 decimals
  RatioValue,     // Ratio, 9 decimals
  PriceValue,     // Price, 9 decimals
  QuantityValue,  // asset / base / quote quanta: decimals depend on the subject
  Count,          // non-negative integer
  Bool,
  Text,
};

// The decimals a value of type `t` is written with (`quantity_decimals` for Quantity).
[[nodiscard]] int metric_decimals(MetricType t, int quantity_decimals);
[[nodiscard]] std::string_view metric_type_name(MetricType t);

struct MetricValue {
  MetricType type = MetricType::UsdValue;
  bool null = false;  // an undefined ratio (e.g. health factor without debt)
  int64_t raw = 0;    // decimal types and Count
  int decimals = 0;   // decimal types
  bool flag = false;  // Bool
  std::string text;   // Text

  // "none" for null, "true"/"false", exact minimal decimal, or the text.
  [[nodiscard]] std::string str() const;

  static MetricValue usd(Value v);
  static MetricValue ratio(std::optional<Ratio> r);
  static MetricValue price(std::optional<Price> p);
  static MetricValue quantity(std::optional<Quantity> q, int decimals);
  static MetricValue count(uint64_t n);
  static MetricValue boolean(bool b);
  static MetricValue string(std::string s);
};

struct NamedValue {
  std::string_view name;
  MetricValue value;
};

// What an [[expect]] block (or a JSON object) is about.
enum class MetricScope : uint8_t {
  Venue,     // the "venue" object, plus applied_events / rejected_events
  Asset,     // one entry of "assets"
  Market,    // one entry of "markets"
  Account,   // an account's "metrics" object plus liquidatable, prices_usable, initial_ok
  Driver,    // one entry of an account's "drivers" (price, liquidation_price, ...)
  Balance,   // an account's balance of one asset: "balance"
  Position,  // an account's position in one market: size, quote, entry_price
};

struct MetricSpec {
  std::string_view name;
  MetricType type;
};

// Every metric an [[expect]] block may name for `scope`, in output order.
[[nodiscard]] std::span<const MetricSpec> metric_specs(MetricScope scope);
[[nodiscard]] const MetricSpec* find_metric(MetricScope scope, std::string_view name);
[[nodiscard]] std::string metric_names(MetricScope scope);  // "a, b, c" for messages

// --- Builders (names and order match metric_specs) -------------------------------------------
// The account "metrics" object (collateral_value ... debt_to_equity).
[[nodiscard]] std::vector<NamedValue> account_metric_values(const AccountRisk& r);
// liquidatable, prices_usable, initial_ok.
[[nodiscard]] std::vector<NamedValue> account_flag_values(const AccountRisk& r);
// price, liquidation_price, distance, method, already_liquidatable.
[[nodiscard]] std::vector<NamedValue> driver_values(const DriverRisk& d);
// price, total_supply, ... isolation_ceiling_utilization.
[[nodiscard]] std::vector<NamedValue> asset_values(const State& s, const AssetAggregate& a);
// mark, oracle, funding_index, long_oi, short_oi, oi_notional, oi_cap_utilization.
[[nodiscard]] std::vector<NamedValue> market_values(const State& s, const MarketAggregate& m);
// total_collateral ... stale_accounts, underwater_accounts, negative_equity. `risks` are the
// risks of every account (used for the two derived fields).
[[nodiscard]] std::vector<NamedValue> venue_values(const VenueAggregate& v,
                                                   std::span<const AccountRisk> risks);
// balance (signed: deposits > 0, borrows < 0), in whole units of the asset.
[[nodiscard]] std::vector<NamedValue> balance_values(const State& s, const MarginAccount& a,
                                                     AssetId asset);
// size (base units), quote (quote units), entry_price (-quote / size; none when flat).
[[nodiscard]] std::vector<NamedValue> position_values(const State& s, const MarginAccount& a,
                                                      MarketId market);

// Signed balance of `asset` in `a` at the current indexes (deposit rounded down, borrow up).
[[nodiscard]] Quantity balance_amount(const State& s, const MarginAccount& a, AssetId asset);
// Break-even price of a position: -quote / size in quote per base unit, rounded half-even
// (display only). None when size is zero.
[[nodiscard]] std::optional<Price> entry_price(const State& s, const PerpPosition& p);

[[nodiscard]] std::string_view driver_kind_name(DriverKind k);
[[nodiscard]] std::string_view solve_method_name(SolveMethod m);
[[nodiscard]] std::string driver_symbol(const State& s, const DriverRisk& d);

}  // namespace backstop
