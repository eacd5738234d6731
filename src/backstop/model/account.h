// File: model/account.h
// Margin accounts. An owner (user) has one cross sub-account and any number of isolated ones; each
// sub-account is a MarginAccount margined on its own. Pure data, owned by State.
//
// Token balances are signed and scaled (Drift / Mango spot balances): scaled > 0 is a deposit worth
// scaled * supply_index, scaled < 0 a borrow owing |scaled| * borrow_index.
// Perp positions keep size (base quanta, long > 0) and quote (quote quanta, signed cost: opening a
// long of s at price P adds -s*P); unrealised PnL = size * mark + quote - unsettled funding.
//
// Seam for later issues: options positions and fixed-term debt get their own vectors here and their
// own contribution functions in margin/; nothing else in the account layout depends on them.
#pragma once

#include <boost/container/small_vector.hpp>
#include <optional>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

struct TokenBalance {
  AssetId asset = 0;
  int64_t scaled = 0;
};

struct PerpPosition {
  MarketId market = 0;
  Quantity size{};           // base quanta; long > 0
  Quantity quote{};          // quote quanta; signed cost basis plus realised, unsettled PnL
  Price funding_snapshot{};  // market funding index when funding was last settled
};

enum class MarginMode : uint8_t { Cross, Isolated };

struct MarginAccount {
  OwnerId owner = 0;
  uint16_t sub = 0;  // 0 = the owner's cross account
  MarginMode mode = MarginMode::Cross;
  std::optional<MarketId> isolated_market;  // isolated sub-accounts trade one market only
  boost::container::small_vector<TokenBalance, 4> balances;   // sorted by asset id
  boost::container::small_vector<PerpPosition, 4> positions;  // sorted by market id

  [[nodiscard]] const TokenBalance* balance(AssetId a) const;
  [[nodiscard]] const PerpPosition* position(MarketId m) const;
  // Insert-or-find keeping the vectors sorted (deterministic layout and hashing).
  TokenBalance& balance_mut(AssetId a);
  PerpPosition& position_mut(MarketId m);
  // Drop zero balances and flat positions with no quote left.
  void compact();
};

}  // namespace backstop
