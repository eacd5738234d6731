// File: ceiling/autoline.h
// Debt-ceiling auto-line (MakerDAO DC-IAM, makerdao/dss-auto-line DssAutoLine.exec;
// ../shared/reference/lending-protocols.md §3). Pure functions; no I/O; thread-safe; the caller
// owns the AutoLine and stores the returned copy.
//
// Units: line, max_line, gap and debt are native quanta of the debt asset (Maker: DAI rad);
// times are seconds (model/ids.h Timestamp).
//
//   target = min(debt + gap, max_line)
//   max_line == 0           -> Disabled (nothing changes; Maker's "ilk not enabled")
//   target == line          -> Unchanged
//   target >  line and now < last_raise + ttl -> RateLimited (increases wait ttl after the last
//   one) target >  line          -> Raised,  line = target, last_raise = now target <  line ->
//   Lowered, line = target (immediately; last_raise kept)
// line_delta is what the caller adds to the global ceiling (Maker: Line - line + lineNew).
// Not modelled: Maker's once-per-block guard (`last`); the caller steps once per block.
#pragma once

#include <optional>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"

namespace backstop {

struct AutoLine {
  Quantity max_line{};       // the most the line may reach (0: auto-line disabled for this ilk)
  Quantity gap{};            // headroom kept above the debt
  int64_t ttl = 0;           // seconds between two increases
  Timestamp last_raise = 0;  // time of the last increase (Maker lastInc)
  Quantity line{};           // current ceiling
};

enum class AutoLineChange : uint8_t { Disabled, Unchanged, RateLimited, Raised, Lowered };

[[nodiscard]] const char* autoline_change_name(AutoLineChange c);

struct AutoLineStep {
  AutoLine next;  // the ilk after the step (equal to the input unless Raised / Lowered)
  AutoLineChange change = AutoLineChange::Unchanged;
  Quantity target{};                          // min(debt + gap, max_line)
  Quantity line_delta{};                      // next.line - line (for the global ceiling)
  std::optional<Timestamp> raise_allowed_at;  // RateLimited: last_raise + ttl
};

// One auto-line step at `now` for the ilk's current `debt` (>= 0). Throws std::invalid_argument
// on negative amounts or ttl.
[[nodiscard]] AutoLineStep autoline_step(const AutoLine& a, Quantity debt, Timestamp now);

// debt / line as a Ratio rounded Up (a risk ratio is never understated; saturates at the largest
// Ratio); nullopt when line == 0 (no ceiling to use).
[[nodiscard]] std::optional<Ratio> ceiling_utilization(Quantity debt, Quantity line);

// max(line - debt, 0): what may still be borrowed under the ceiling.
[[nodiscard]] Quantity ceiling_headroom(Quantity debt, Quantity line);

}  // namespace backstop
