// File: liquidity/depth_ladder.h
// Order-book depth ladder (docs/liquidity.md §3): price levels of (price, base quanta). A sell
// walks the bids from the best (highest) price down, a buy walks the asks from the best (lowest)
// up; each level fills min(remaining, level quantity) at the level price. The quote amount is the
// exact sum of level notionals (fill.h) rounded once: Down for a sell, Up for a buy. The average
// price is sum(q_i p_i) / sum(q_i), Down for a sell, Up for a buy. A walk stops early where the
// quote amount would no longer fit 64 bits.
//
// apply() consumes the walked quantity; levels are kept (at 0) so recover(dt, half_life) can
// refill each one toward its reference quantity by the decay of fill.h (resting liquidity
// returns; consumed bids do not become asks). Value type; const methods thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "backstop/liquidity/fill.h"

namespace backstop {

struct Level {
  Price price;   // > 0
  Quantity qty;  // base quanta, > 0 in the reference book
  bool operator==(const Level&) const = default;
};

struct LadderParams {
  Pair pair;
  std::vector<Level> bids;  // strictly descending prices
  std::vector<Level> asks;  // strictly ascending prices, best ask > best bid
};

class DepthLadder {
 public:
  explicit DepthLadder(const LadderParams& p);  // throws std::invalid_argument

  [[nodiscard]] Fill sell(Quantity base) const;
  [[nodiscard]] Fill buy(Quantity base) const;
  void apply(const Fill& f);  // f must equal sell/buy(f.requested) now (std::invalid_argument)
  void recover(int64_t dt_seconds, int64_t half_life_seconds);

  // Best remaining price on `side` (bid for Sell, ask for Buy); nullopt when that side is empty.
  [[nodiscard]] std::optional<Price> marginal(Side side) const;
  [[nodiscard]] Quantity sell_capacity() const;  // sum of remaining bid quantity
  [[nodiscard]] const std::vector<Level>& bids() const { return bids_; }  // remaining
  [[nodiscard]] const std::vector<Level>& asks() const { return asks_; }
  [[nodiscard]] const LadderParams& params() const { return p_; }  // the reference book

 private:
  [[nodiscard]] Fill walk(Side side, Quantity requested) const;
  [[nodiscard]] std::optional<Fill> try_walk(Side side, Quantity requested, int64_t filled) const;
  LadderParams p_;
  std::vector<Level> bids_;
  std::vector<Level> asks_;
};

}  // namespace backstop
