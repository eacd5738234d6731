#include "backstop/monitor/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace backstop {

int64_t PriceSchedule::unit_cost(int64_t solo) {
  if (solo <= 0) return kOne + 1;
  return kOne / solo + (kOne % solo != 0 ? 1 : 0);  // rounded up: a cost is never under-stated
}

int64_t PriceSchedule::unit_gain(int64_t solo) {
  return solo <= 0 ? 0 : -(kOne / solo);  // rounded toward 0: a gain is never over-stated
}

PriceSchedule::PriceSchedule(std::vector<SourceId> sources, std::vector<int64_t> values)
    : sources_(std::move(sources)), values_(std::move(values)) {
  const std::size_t ns = sources_.size();
  for (std::size_t k = 0; k < ns; ++k) {
    const SourceId s = sources_[k];
    if (s >= column_.size()) column_.resize(std::size_t{s} + 1, -1);
    if (column_[s] >= 0) {
      throw std::invalid_argument(fmt::format("price schedule: source {} listed twice", s));
    }
    column_[s] = static_cast<int>(k);
  }
  if (ns == 0 || values_.empty()) {
    values_.clear();
    return;
  }
  if (values_.size() % ns != 0) {
    throw std::invalid_argument(fmt::format(
        "price schedule: {} values do not fill rows of {} sources", values_.size(), ns));
  }
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (values_[i] <= 0) {
      throw std::invalid_argument(fmt::format("price schedule: row {}, source {}: value {} <= 0",
                                              i / ns, sources_[i % ns], values_[i]));
    }
  }
  rows_ = values_.size() / ns;
  leaves_ = std::bit_ceil(rows_);
  levels_ = std::countr_zero(leaves_);
  // Leaves past the last row repeat it: a stretch that reaches them costs what the last row does.
  tree_.assign(2 * leaves_ * ns, Range{});
  for (std::size_t r = 0; r < leaves_; ++r) {
    const std::size_t row = std::min(r, rows_ - 1);
    for (std::size_t k = 0; k < ns; ++k) {
      const int64_t v = value(row, k);
      tree_[(leaves_ + r) * ns + k] = Range{v, v};
    }
  }
  for (std::size_t node = leaves_ - 1; node >= 1; --node) {
    for (std::size_t k = 0; k < ns; ++k) {
      const Range& a = tree_[2 * node * ns + k];
      const Range& b = tree_[(2 * node + 1) * ns + k];
      tree_[node * ns + k] = Range{std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
    }
  }
  suffix_.assign(rows_ * ns, Range{});
  for (std::size_t r = rows_; r-- > 0;) {
    for (std::size_t k = 0; k < ns; ++k) {
      const int64_t v = value(r, k);
      suffix_[r * ns + k] = r + 1 == rows_ ? Range{v, v}
                                           : Range{std::min(v, suffix_[(r + 1) * ns + k].lo),
                                                   std::max(v, suffix_[(r + 1) * ns + k].hi)};
    }
  }
}

std::size_t PriceSchedule::find_row(std::span<const int64_t> values, std::size_t from) const {
  const std::size_t ns = sources_.size();
  for (std::size_t r = from; r < rows_; ++r) {
    if (std::equal(values.begin(), values.end(),
                   values_.begin() + static_cast<std::ptrdiff_t>(r * ns),
                   values_.begin() + static_cast<std::ptrdiff_t>((r + 1) * ns))) {
      return r;
    }
  }
  return rows_;
}

int PriceSchedule::column(SourceId s) const {
  return s < column_.size() ? column_[s] : -1;
}

// Whether every value in the ranges costs at most `budget`. A term's cost is linear on either
// side of v0 and 0 at v0, so over a range it is largest at an end of the range or, when the
// range holds v0, possibly at v0; the sum of the terms' largest costs bounds the largest sum.
// Magnitudes: |v - v0| < 2^63 and a unit cost of at most kOne + 1 give |cost| < 2^126. A gain is
// counted down to -2^64 at most, so a cost beyond the budget plus 2^64 per term cannot be offset
// and ends the check at once; the sum stays far inside int128.
bool PriceSchedule::within(std::span<const Term> terms, const Range* r, int128 budget) {
  constexpr int128 kMostGain = -(int128{1} << 64);
  const int128 hopeless = budget - kMostGain * static_cast<int128>(terms.size());
  int128 sum = 0;
  for (const Term& t : terms) {
    const Range& x = r[t.column];
    if (x.lo < t.lo || x.hi > t.hi) return false;
    auto cost = [&t](int64_t v) {
      return v < t.v0 ? static_cast<int128>(t.v0 - v) * t.down
                      : static_cast<int128>(v - t.v0) * t.up;
    };
    int128 c = std::max(cost(x.lo), cost(x.hi));
    if (x.lo <= t.v0 && t.v0 <= x.hi) c = std::max<int128>(c, 0);
    if (c > hopeless) return false;
    sum += std::max(c, kMostGain);
  }
  return sum <= budget;
}

std::size_t PriceSchedule::first_exceeding(std::span<const Term> terms, int128 budget,
                                           std::size_t from) const {
  if (from >= rows_) return rows_;
  const std::size_t ns = sources_.size();
  // From row 0 the climb below starts with the root, which is this check.
  if (from > 0 && within(terms, &suffix_[from * ns], budget)) return rows_;
  // Aligned blocks from `from` upwards: the largest block starting at j, halved until it is
  // within the budget or is a single row that is not.
  std::size_t j = from;
  while (j < rows_) {
    int h = j == 0 ? levels_ : std::min(levels_, std::countr_zero(j));
    for (;;) {
      const std::size_t node = (leaves_ + j) >> h;
      if (within(terms, &tree_[node * ns], budget)) {
        j += std::size_t{1} << h;
        break;
      }
      if (h == 0) return j;
      --h;
    }
  }
  return rows_;
}

}  // namespace backstop
