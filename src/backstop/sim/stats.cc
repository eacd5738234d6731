#include "backstop/sim/stats.h"

#include <algorithm>

namespace backstop::sim {
namespace {

void check_level(Ratio level) {
  if (level.raw() < 0 || level.raw() > kRatioOne) {
    throw std::invalid_argument("risk level " + format(level) + " is not in [0, 1]");
  }
}

}  // namespace

LossSample::LossSample(std::vector<Value> losses) : sorted_(std::move(losses)) {
  if (sorted_.empty()) throw std::invalid_argument("empty loss sample");
  std::sort(sorted_.begin(), sorted_.end());
  for (Value v : sorted_) sum_ = checked_add(sum_, static_cast<int128>(v.raw()), "loss sum");
}

std::size_t LossSample::var_index(Ratio level) const {
  check_level(level);
  const auto n = static_cast<int128>(sorted_.size());
  // k = ceil(a n) = ceil(A n / 10^9), at least 1.
  const int128 k = div_round(checked_mul(static_cast<int128>(level.raw()), n, "var index"),
                             kRatioOne, Rounding::Up);
  return static_cast<std::size_t>(std::max<int128>(k, 1));
}

Value LossSample::value_at_risk(Ratio level) const {
  return sorted_[var_index(level) - 1];
}

Value LossSample::expected_shortfall(Ratio level, Rounding r) const {
  const std::size_t k = var_index(level);
  if (level.raw() == kRatioOne) return sorted_.back();
  const auto n = static_cast<int128>(sorted_.size());
  int128 tail = 0;  // sum of L_(i), i > k
  for (std::size_t i = k; i < sorted_.size(); ++i) {
    tail = checked_add(tail, static_cast<int128>(sorted_[i].raw()), "expected shortfall");
  }
  // num = 10^9 * tail + (k 10^9 - A n) L_(k);  den = (10^9 - A) n
  const int128 weight = static_cast<int128>(k) * kRatioOne - static_cast<int128>(level.raw()) * n;
  const int128 num = checked_add(
      checked_mul(tail, static_cast<int128>(kRatioOne), "expected shortfall"),
      checked_mul(weight, static_cast<int128>(sorted_[k - 1].raw()), "expected shortfall"),
      "expected shortfall");
  const int128 den = (kRatioOne - static_cast<int128>(level.raw())) * n;
  return Value::from_raw(narrow64(div_round(num, den, r), "expected shortfall"));
}

Value LossSample::mean(Rounding r) const {
  return Value::from_raw(narrow64(div_round(sum_, static_cast<int128>(sorted_.size()), r), "mean"));
}

std::size_t LossSample::count_exceeding(Value threshold) const {
  return static_cast<std::size_t>(sorted_.end() -
                                  std::upper_bound(sorted_.begin(), sorted_.end(), threshold));
}

Ratio LossSample::prob_exceeding(Value threshold, Rounding r) const {
  return ratio_of(static_cast<int128>(count_exceeding(threshold)),
                  static_cast<int128>(sorted_.size()), r);
}

Value value_at_risk(std::span<const Value> losses, Ratio level) {
  return LossSample(std::vector<Value>(losses.begin(), losses.end())).value_at_risk(level);
}

Value expected_shortfall(std::span<const Value> losses, Ratio level, Rounding r) {
  return LossSample(std::vector<Value>(losses.begin(), losses.end())).expected_shortfall(level, r);
}

BisectResult<int64_t> bisect_smallest_raw(int64_t lo, int64_t hi,
                                          const std::function<bool(int64_t)>& pred,
                                          int verify_points) {
  if (lo > hi) throw std::invalid_argument("bisect: lo > hi");
  BisectResult<int64_t> out;
  auto eval = [&](int64_t v) {
    ++out.evaluations;
    return pred(v);
  };
  auto non_monotone = [&](int64_t t, int64_t f) {
    out.status = BisectStatus::NonMonotone;
    out.x.reset();
    out.true_at = t;
    out.false_at = f;
    return out;
  };
  const bool p_lo = eval(lo);
  const bool p_hi = lo == hi ? p_lo : eval(hi);
  if (p_lo && !p_hi) return non_monotone(lo, hi);
  int64_t last_false = lo;  // the largest value seen false (valid when !p_lo)
  if (p_lo) {
    out.status = BisectStatus::Found;
    out.x = lo;
  } else if (!p_hi) {
    out.status = BisectStatus::NoneInRange;
  } else {
    int64_t a = lo;  // pred(a) false
    int64_t b = hi;  // pred(b) true
    while (b - static_cast<int128>(a) > 1) {
      const auto mid = static_cast<int64_t>(a + (static_cast<int128>(b) - a) / 2);  // floor
      if (eval(mid))
        b = mid;
      else
        a = mid;
    }
    last_false = a;
    out.status = BisectStatus::Found;
    out.x = b;
  }
  for (int j = 1; j <= verify_points; ++j) {
    const auto p = static_cast<int64_t>(lo + (static_cast<int128>(hi) - lo) * j /
                                                 (static_cast<int128>(verify_points) + 1));
    const bool v = eval(p);
    if (out.status == BisectStatus::NoneInRange) {
      if (v) return non_monotone(p, hi);
    } else if (v && p < *out.x) {
      return non_monotone(p, last_false);
    } else if (!v && p >= *out.x) {
      return non_monotone(*out.x, p);
    }
  }
  return out;
}

}  // namespace backstop::sim
