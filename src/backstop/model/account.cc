#include "backstop/model/account.h"

#include <algorithm>

namespace backstop {

const TokenBalance* MarginAccount::balance(AssetId a) const {
  for (const auto& b : balances) {
    if (b.asset == a) return &b;
  }
  return nullptr;
}

const PerpPosition* MarginAccount::position(MarketId m) const {
  for (const auto& p : positions) {
    if (p.market == m) return &p;
  }
  return nullptr;
}

TokenBalance& MarginAccount::balance_mut(AssetId a) {
  auto it = std::lower_bound(balances.begin(), balances.end(), a,
                             [](const TokenBalance& b, AssetId id) { return b.asset < id; });
  if (it != balances.end() && it->asset == a) return *it;
  return *balances.insert(it, TokenBalance{a, 0});
}

PerpPosition& MarginAccount::position_mut(MarketId m) {
  auto it = std::lower_bound(positions.begin(), positions.end(), m,
                             [](const PerpPosition& p, MarketId id) { return p.market < id; });
  if (it != positions.end() && it->market == m) return *it;
  return *positions.insert(it, PerpPosition{m, {}, {}, {}});
}

void MarginAccount::compact() {
  balances.erase(std::remove_if(balances.begin(), balances.end(),
                                [](const TokenBalance& b) { return b.scaled == 0; }),
                 balances.end());
  positions.erase(
      std::remove_if(positions.begin(), positions.end(),
                     [](const PerpPosition& p) { return p.size.is_zero() && p.quote.is_zero(); }),
      positions.end());
}

}  // namespace backstop
