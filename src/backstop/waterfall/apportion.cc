#include "backstop/waterfall/apportion.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "backstop/money/wide.h"

namespace backstop {

std::vector<int64_t> apportion(int64_t total, std::span<const int128> weights,
                               std::span<const uint32_t> keys) {
  if (total < 0) throw std::invalid_argument("apportion: negative total");
  if (keys.size() != weights.size()) throw std::invalid_argument("apportion: keys/weights size");
  Int256 sum = 0;
  for (const int128 w : weights) {
    if (w < 0) throw std::invalid_argument("apportion: negative weight");
    sum += to256(w);
  }
  if (sum == 0) throw std::invalid_argument("apportion: weights sum to zero");
  const std::size_t n = weights.size();
  std::vector<int64_t> share(n);
  std::vector<Int256> rem(n);
  Int256 given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Int256 num = to256(total) * to256(weights[i]);
    const Int256 q = num / sum;  // both non-negative: truncation is floor
    rem[i] = num - q * sum;
    share[i] = static_cast<int64_t>(from256(q));  // q <= total
    given += q;
  }
  // Σ rem = (total - given) * sum with every rem < sum, so fewer than n recipients get +1 and each
  // has rem > 0.
  auto extra = static_cast<std::size_t>(from256(to256(total) - given));
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    if (rem[a] != rem[b]) return rem[a] > rem[b];
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    return a < b;
  });
  for (std::size_t k = 0; k < extra; ++k) share[idx[k]] += 1;
  return share;
}

}  // namespace backstop
