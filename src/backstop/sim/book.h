// File: sim/book.h
// Generated account populations for the stress simulator (docs/simulate-config.md
// "Populations"): lending borrowers at a drawn health factor and perp traders at a drawn leverage,
// written straight into a State at its current prices (a generated book is a starting state, not a
// history of events: an account at health 1.02 could not have been opened by a Borrow event, whose
// initial-margin check it would fail).
//
// Units: distributions are drawn in double (USD sizes, health, leverage) and converted once per
// account to Value (nearest micro-dollar) and then to native quanta with money/fixed.h's
// quantity_of, rounded down. Determinism:
// account i of population p draws from PathRng(path_seed(seed ^ kPopulationSalt, p << 40 | i)), so
// the book depends only on the seed, never on threads. Pure; not thread-safe on one State.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "backstop/model/state.h"
#include "backstop/sim/config.h"

namespace backstop::sim {

inline constexpr uint64_t kPopulationSalt = 0x706f'7075'6c61'7465ULL;  // "populate"

struct GeneratedBook {
  int64_t accounts = 0;  // generated accounts, suppliers included
  Value collateral{};    // USD at the start prices, lending collateral + perp margin (down)
  Value debt{};          // USD, lending debt (up)
  Value notional{};      // USD, perp notional (up)
  // Per population: its total lending debt (lending) or perp notional (perp), USD (up).
  std::vector<Value> population_total;
};

// Adds every population's accounts to `s`. Throws std::invalid_argument naming the population
// when an account name is taken or a price it needs is not positive.
GeneratedBook add_populations(State& s, const std::vector<Population>& pops, uint64_t seed);

// The model boundary for generated sizes: nearest micro-dollar, at least 0.
[[nodiscard]] Value usd_from_model(double usd);

}  // namespace backstop::sim
