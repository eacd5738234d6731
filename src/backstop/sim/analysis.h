// File: sim/analysis.h
// The simulator's decision analyses (docs/simulate-config.md "Analyses"), each over full
// simulation runs of the same engine:
//   size_insurance_fund  the smallest insurance fund whose exhaustion probability <= target:
//                        one run with the fund effectively unlimited records each path's largest
//                        drawdown D_i; a fund F is exhausted on path i iff F - D_i <= min_balance,
//                        so the exhaustion probability is monotone in F and bisected exactly on the
//                        sample; optionally verified by a run with the answer;
//   advise_debt_ceiling  the largest total debt (or notional) of one population, on a grid of
//                        `resolution` steps in [lo, hi], whose tail loss (bad debt + latent
//                        losses at the end of the horizon; ES or VaR at
//                        `level`) stays <= budget, by bisection (each evaluation is a run with the
//                        population scaled; common random numbers keep it monotone in practice,
//                        and a non-monotone answer is reported, not hidden);
//   run_sweep            a grid over any configuration keys -> every sweep metric per point.
// Thread-safety: as simulate(); deterministic whatever the thread count.
#pragma once

#include "backstop/sim/simulate.h"

namespace backstop::sim {

[[nodiscard]] SizingResult size_insurance_fund(const SimConfig& cfg, const PreparedRun& run,
                                               unsigned threads, const SimOptions& opt);
[[nodiscard]] CeilingResult advise_debt_ceiling(const SimConfig& cfg, unsigned threads,
                                                const SimOptions& opt);
[[nodiscard]] SweepResult run_sweep(const SimConfig& cfg, unsigned threads, const SimOptions& opt);

}  // namespace backstop::sim
