// File: sim/paths.h
// Monte Carlo price paths for the stress simulator: correlated multi-asset geometric Brownian
// motion with Merton jumps, optional GARCH(1,1) volatility clustering, and two scenario
// families (stablecoin depeg; broken correlation after a step).
//
// Units: model parameters are doubles, annualised over a 365-day year (kSecondsPerYear); a step
// is step_seconds long, dt = step_seconds / 31,536,000. Inside the model everything is double;
// the ONE conversion to money is to_model_price() (nearest 1e-9, ties away from zero, floored at
// the smallest positive Price, 1e-9). Step 0 of every path is the exact initial Price.
//
// Determinism: path i is drawn from its own generator, std::mt19937_64 seeded with
// path_seed(seed, i) (splitmix64), and the normals/Poisson/uniform draws are written here (never
// std::*_distribution, whose output is implementation-defined). So path i is the same bytes
// whether generated alone, in any batch, or with any thread count, on a given build (exp/log/
// sin/cos come from the C library: another libm may differ in the last bit).
//
// All functions are pure and thread-safe; PathModel is read-only during generation.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "backstop/money/fixed.h"

namespace backstop::sim {

// Merton jumps: arrivals Poisson with `intensity` per year; each jump multiplies the price by
// exp(Y), Y ~ Normal(mean_log, stdev_log^2).
struct JumpParams {
  double intensity = 0;  // per year, >= 0
  double mean_log = 0;
  double stdev_log = 0;  // >= 0
};

// GARCH(1,1) on the per-step diffusion variance h:  h' = omega + alpha * e^2 + beta * h, with
// e = sqrt(h) z the last diffusion shock and omega = sigma^2 dt (1 - alpha - beta), so the
// long-run variance is the asset's sigma^2 dt. h starts at sigma^2 dt. Needs alpha, beta >= 0,
// alpha + beta < 1.
struct GarchParams {
  bool enabled = false;
  double alpha = 0;
  double beta = 0;
};

struct AssetModel {
  std::string symbol;
  Price initial;     // > 0
  double drift = 0;  // mu: dS/S = mu dt + sigma dW (+ jumps), so E[S_t] = S_0 e^{mu t}
  double vol = 0;    // sigma, annual, >= 0
  JumpParams jumps;  // per-asset jumps (JumpScope::PerAsset) or this asset's size in a common one
  GarchParams garch;
};

enum class JumpScope : uint8_t {
  PerAsset,  // each asset has its own arrivals (its JumpParams::intensity) and sizes
  Common,    // one arrival process (PathModel::common_intensity); on a common jump every asset
             // moves by mean_log + stdev_log * zeta with ONE shared standard normal zeta
};

// A stablecoin path that jumps to `level` (a fraction of where the model path is, e.g. 0.9 for
// a 10% discount) at `start_step` and, if it recovers, closes the gap with half-life
// `half_life_steps`: factor(t) = 1 - (1 - level) * 2^(-(t - start_step) / half_life). Whether the
// depeg happens on a path is Bernoulli(probability); whether it recovers, Bernoulli(recovery).
struct DepegScenario {
  std::size_t asset = 0;
  int start_step = 1;  // 1..steps
  double level = 1;    // (0, +inf)
  double probability = 1;
  double recovery_probability = 0;
  double half_life_steps = 0;  // > 0 when recovery_probability > 0
};

// From step `at_step` on (the increment into step at_step and later), the diffusion correlation
// is `stressed` (n x n, row-major) instead of PathModel::correlation.
struct CorrelationBreak {
  int at_step = 1;
  std::vector<double> stressed;
};

struct PathModel {
  std::vector<AssetModel> assets;
  std::vector<double> correlation;  // n x n row-major; empty = identity
  int steps = 1;                    // >= 1
  int64_t step_seconds = 60;        // > 0
  JumpScope jump_scope = JumpScope::PerAsset;
  double common_intensity = 0;  // per year, JumpScope::Common
  // Subtract intensity * (E[e^Y] - 1) from the drift so that E[S_t] = S_0 e^{mu t} with jumps.
  bool compensate_jumps = true;
  std::vector<DepegScenario> depegs;
  std::optional<CorrelationBreak> correlation_break;
};

class ModelError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What happened on one path (for reports and tests).
struct PathEvents {
  std::vector<int64_t> jumps;   // per asset: jump count (common jumps count for every asset)
  std::vector<bool> depegged;   // per DepegScenario
  std::vector<bool> recovered;  // per DepegScenario (false when not depegged)
};

// steps + 1 rows of n prices, row-major: price(step, asset) = prices[step * n + asset].
struct Path {
  std::size_t assets = 0;
  std::vector<Price> prices;
  [[nodiscard]] Price at(std::size_t step, std::size_t asset) const {
    return prices[step * assets + asset];
  }
};

// Checks the model; throws ModelError with a message naming the parameter. The correlation and
// stressed matrices must be square n x n, symmetric, unit diagonal, entries in [-1, 1], and
// positive semi-definite (Cholesky, tolerance 1e-10 on pivots).
void validate(const PathModel& model);

// Lower-triangular L with L L^T = corr (n x n row-major); throws ModelError when corr is not
// positive semi-definite ("pivot k is -0.12") or malformed. Semi-definite zero pivots give zero
// columns.
[[nodiscard]] std::vector<double> cholesky(const std::vector<double>& corr, std::size_t n);

// splitmix64 finaliser and the per-path seed: splitmix64(splitmix64(seed) ^ path_index).
[[nodiscard]] uint64_t splitmix64(uint64_t x);
[[nodiscard]] uint64_t path_seed(uint64_t seed, uint64_t path_index);

// The model -> money boundary: quote units as double -> Price, nearest 1e-9 (ties away from
// zero), at least 1e-9. Throws ModelError on NaN, and OverflowError above the Price range.
[[nodiscard]] Price to_model_price(double quote_units);

// Path `path_index` of the model for `seed`. `events` (optional) receives what happened.
[[nodiscard]] Path generate_path(const PathModel& model, uint64_t seed, uint64_t path_index,
                                 PathEvents* events = nullptr);

// Paths first .. first + count - 1, in order, using up to `threads` threads (>= 1). Identical
// to calling generate_path for each index.
[[nodiscard]] std::vector<Path> generate_paths(const PathModel& model, uint64_t seed,
                                               uint64_t first, std::size_t count,
                                               unsigned threads = 1);

// The per-path generator's draws, exposed for tests: uniform in (0, 1] from the top 53 bits,
// standard normal by Box-Muller (pairs; the second value is kept for the next call).
class PathRng {
 public:
  explicit PathRng(uint64_t seed);
  double uniform();  // (0, 1]
  double normal();
  // Knuth's product of uniforms, in pieces of mean <= 30 (a sum of Poissons is Poisson).
  int64_t poisson(double mean);

 private:
  std::mt19937_64 engine_;  // its output sequence is fixed by the C++ standard
  std::optional<double> spare_;
};

}  // namespace backstop::sim
