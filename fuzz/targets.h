// File: fuzz/targets.h
// Fuzz entry points shared by the libFuzzer binaries (fuzz/*_fuzz.cc, clang preset `fuzz`) and
// the deterministic smoke test that runs in CI (tests/fuzz_smoke_test.cc). Each returns normally
// on any input and aborts (via std::abort) only when an invariant is broken.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backstop::fuzz {

// parse_decimal/format_decimal: never crash; a parsed value formats and re-parses to itself.
void decimal(const uint8_t* data, std::size_t size);

// Bytes -> a stream of events on a fixed venue. Invariants after every event: a rejected event
// leaves the state hash unchanged; per-asset totals equal the sum of account balances; open
// interest equals the sum of position sizes.
std::size_t engine_events(const uint8_t* data, std::size_t size);  // returns events applied

// Scenario text (TOML): never crashes; either errors (each naming the file and a line) or a
// scenario that runs to completion and renders deterministically (two renders are identical).
void scenario_text(const uint8_t* data, std::size_t size);

// Simulation config text (TOML, `backstop simulate`): never crashes; either errors (each naming
// the file and a line) or, bounded to a small run (at most 200 generated accounts, 4 paths of 40
// steps, analyses off), a simulation whose result is identical with 1 and 2 threads. A book the
// config cannot build (std::invalid_argument) is an accepted outcome. Returns whether a
// simulation ran.
bool sim_config_text(const uint8_t* data, std::size_t size);

// Bytes -> a resolution config (first byte: perp policy, toxic guard, profit rule, RecapDebt in
// the waterfall, liquidity models, liquidator latency/absence) on a fixed venue (USDC, ETH,
// BTC-PERP, five owners) and a stream of events (deposits, borrows, trades, price moves with
// crashes, ticks, funding) through a Resolver. After every event the invariants of
// fuzz/resolution_invariants.h hold (conservation, balanced journal and bad-debt ledger, fund
// minimum, waterfall layer order, ADL within the remaining size, monitor == full rescan, no
// liquidatable account left without a reason). Returns what the stream reached.
struct ResolutionFuzzStats {
  std::size_t accepted = 0;  // events the engine accepted
  std::size_t liquidations = 0;
  std::size_t bad_debts = 0;
  std::size_t waterfall_steps = 0;
  std::size_t adl_fills = 0;
};
ResolutionFuzzStats resolution_events(const uint8_t* data, std::size_t size);

}  // namespace backstop::fuzz
