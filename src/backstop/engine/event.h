// File: engine/event.h
// The only way state changes: a time-stamped event. Ids are already resolved (the scenario parser
// maps names to ids and reports unknown names with file:line:field). Plain values, no ownership.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

struct SetAssetPrice {  // oracle price of an asset (USD per whole unit)
  AssetId asset = 0;
  Price price{};
};
struct SetMarkPrice {  // mark (and, when given, oracle) price of a perp market, quote per base unit
  MarketId market = 0;
  Price mark{};
  std::optional<Price> oracle;
};
struct Deposit {
  AccountId account = 0;
  AssetId asset = 0;
  Quantity amount{};
};
struct Withdraw {
  AccountId account = 0;
  AssetId asset = 0;
  Quantity amount{};
};
struct Borrow {
  AccountId account = 0;
  AssetId asset = 0;
  Quantity amount{};
};
struct Repay {  // repays min(amount, debt)
  AccountId account = 0;
  AssetId asset = 0;
  Quantity amount{};
};
// Open, modify or close a perp position: size_delta base quanta at `price` (quote per base unit).
// The other side is `counterparty` when given, else external liquidity outside the venue.
struct Trade {
  AccountId account = 0;
  MarketId market = 0;
  Quantity size_delta{};
  Price price{};
  std::optional<AccountId> counterparty;
};
// Funding: the cumulative index moves by `index_delta` quote units per base unit (longs pay when
// positive), or by rate * mark when `rate` is given.
struct Funding {
  MarketId market = 0;
  std::optional<Price> index_delta;
  std::optional<Ratio> rate;
};
struct Tick {};  // time passes: interest accrues to the event time, nothing else happens
enum class ParamTarget : uint8_t { Venue, Asset, Market };
struct SetParam {
  ParamTarget target = ParamTarget::Venue;
  uint16_t id = 0;    // asset or market id; ignored for the venue
  std::string field;  // documented in docs/scenario-format.md (parameter changes)
  std::string value;  // decimal text, integer, "true"/"false" or "none"
};

using EventBody = std::variant<SetAssetPrice, SetMarkPrice, Deposit, Withdraw, Borrow, Repay, Trade,
                               Funding, Tick, SetParam>;

struct Event {
  Timestamp time = 0;
  EventBody body;
  std::string origin;  // where it came from, e.g. "examples/x.toml:42"; for messages only
};

[[nodiscard]] std::string_view event_kind(const EventBody& b);

}  // namespace backstop
