// File: sim/stats.h
// Risk statistics over a sample of simulated losses, in exact integers, and a monotone bisection
// helper for "smallest parameter that passes" searches (supply caps, insurance-fund sizes).
//
// Units: losses are Value (USD at 1e-6), POSITIVE = loss (a gain is a negative loss). Levels are
// Ratio in [0, 1] (0.99 = 99%). Definitions (docs/simulation-inputs.md "Statistics"), for the
// sorted sample L_(1) <= ... <= L_(n) and level a:
//   VaR_a  = L_(k), k = max(1, ceil(a * n))            (the lower a-quantile, inf{l : F_n(l) >= a})
//   ES_a   = ( sum_{i > k} L_(i) + (k - a n) L_(k) ) / ((1 - a) n)   for a < 1; ES_1 = L_(n)
//            (the Acerbi-Tasche tail mean of the worst (1 - a) share, exact for ties and any n)
//   mean   = sum L_(i) / n
//   P(L > t) = #{i : L_i > t} / n   (strictly greater)
// Divisions name their rounding; VaR/ES/mean default to Up (a loss is never understated).
//
// LossSample owns a sorted copy of the sample; const methods are pure and thread-safe.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "backstop/money/fixed.h"

namespace backstop::sim {

class LossSample {
 public:
  // Throws std::invalid_argument on an empty sample.
  explicit LossSample(std::vector<Value> losses);

  [[nodiscard]] std::size_t size() const { return sorted_.size(); }
  [[nodiscard]] const std::vector<Value>& sorted() const { return sorted_; }

  // The 1-based order-statistic index k above. Throws std::invalid_argument unless 0 <= a <= 1.
  [[nodiscard]] std::size_t var_index(Ratio level) const;
  [[nodiscard]] Value value_at_risk(Ratio level) const;
  [[nodiscard]] Value expected_shortfall(Ratio level, Rounding r = Rounding::Up) const;
  [[nodiscard]] Value mean(Rounding r = Rounding::Up) const;
  // Count of losses strictly above `threshold`, and that count / n as a Ratio.
  [[nodiscard]] std::size_t count_exceeding(Value threshold) const;
  [[nodiscard]] Ratio prob_exceeding(Value threshold, Rounding r = Rounding::Up) const;

 private:
  std::vector<Value> sorted_;
  int128 sum_ = 0;
};

// Free-function forms (sort a copy each call).
[[nodiscard]] Value value_at_risk(std::span<const Value> losses, Ratio level);
[[nodiscard]] Value expected_shortfall(std::span<const Value> losses, Ratio level,
                                       Rounding r = Rounding::Up);

// ---- Bisection -------------------------------------------------------------------------------

// A signed integer, an unsigned one narrower than 64 bits or a fixed-point money type (Quantity,
// Price, Value, ...).
template <class T>
concept Bisectable = (std::integral<T> && (std::is_signed_v<T> || sizeof(T) < sizeof(int64_t))) ||
                     requires(T v) {
  { v.raw() } -> std::same_as<int64_t>;
  { T::from_raw(int64_t{}) } -> std::same_as<T>;
};

enum class BisectStatus : uint8_t {
  Found,        // x is the smallest value in [lo, hi] with pred(x) true
  NoneInRange,  // pred(hi) is false (and pred(lo) false): no value in range passes
  NonMonotone,  // evidence: pred(true_at) is true, pred(false_at) false, true_at < false_at
};

template <class T>
struct BisectResult {
  BisectStatus status = BisectStatus::NoneInRange;
  std::optional<T> x;         // Found only
  std::optional<T> true_at;   // NonMonotone evidence
  std::optional<T> false_at;  // NonMonotone evidence
  int evaluations = 0;        // calls of pred
};

// Raw form on int64: the smallest x in [lo, hi] with pred(x), assuming pred is monotone
// (false ... false true ... true). Evaluates pred(lo) and pred(hi) first: pred(lo) true -> Found
// lo unless pred(hi) is false (NonMonotone); both false -> NoneInRange. Then bisects with
// mid = lo + floor((hi - lo) / 2), keeping pred(lo') false and pred(hi') true. With
// verify_points > 0, also evaluates that many evenly spaced points of [lo, hi] and reports
// NonMonotone when one disagrees with the answer. Throws std::invalid_argument if lo > hi.
[[nodiscard]] BisectResult<int64_t> bisect_smallest_raw(int64_t lo, int64_t hi,
                                                        const std::function<bool(int64_t)>& pred,
                                                        int verify_points = 0);

template <Bisectable T>
[[nodiscard]] BisectResult<T> bisect_smallest(T lo, T hi, const std::function<bool(T)>& pred,
                                              int verify_points = 0) {
  auto to_raw = [](T v) -> int64_t {
    if constexpr (std::integral<T>) {
      return static_cast<int64_t>(v);
    } else {
      return v.raw();
    }
  };
  auto from_raw = [](int64_t v) -> T {
    if constexpr (std::integral<T>) {
      return static_cast<T>(v);
    } else {
      return T::from_raw(v);
    }
  };
  const BisectResult<int64_t> r = bisect_smallest_raw(
      to_raw(lo), to_raw(hi), [&](int64_t v) { return pred(from_raw(v)); }, verify_points);
  BisectResult<T> out;
  out.status = r.status;
  out.evaluations = r.evaluations;
  if (r.x) out.x = from_raw(*r.x);
  if (r.true_at) out.true_at = from_raw(*r.true_at);
  if (r.false_at) out.false_at = from_raw(*r.false_at);
  return out;
}

}  // namespace backstop::sim
