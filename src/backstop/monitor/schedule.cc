#include "backstop/monitor/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace backstop {

uint64_t PriceSchedule::unit_cost(int64_t solo) {
  if (solo <= 0) return kOne + 1;
  const auto s = static_cast<uint64_t>(solo);
  return kOne / s + (kOne % s != 0 ? 1 : 0);  // rounded up: a cost is never under-stated
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

int PriceSchedule::column(SourceId s) const {
  return s < column_.size() ? column_[s] : -1;
}

// Whether every value in the ranges costs at most `budget`: a term's cost is largest at an end of
// its range (it falls to 0 at v0 and grows on either side), and the sum of the terms' largest
// costs bounds the largest sum.
bool PriceSchedule::within(std::span<const Term> terms, const Range* r, uint128 budget) {
  uint128 sum = 0;
  for (const Term& t : terms) {
    const Range& x = r[t.column];
    if (x.lo < t.lo || x.hi > t.hi) return false;
    uint128 c = 0;
    if (x.lo < t.v0) c = static_cast<uint128>(static_cast<uint64_t>(t.v0 - x.lo)) * t.down;
    if (x.hi > t.v0) {
      c = std::max(c, static_cast<uint128>(static_cast<uint64_t>(x.hi - t.v0)) * t.up);
    }
    if (c > budget) return false;  // also keeps the sum far from overflow
    sum += c;
    if (sum > budget) return false;
  }
  return true;
}

std::size_t PriceSchedule::first_exceeding(std::span<const Term> terms, uint128 budget,
                                           std::size_t from) const {
  if (from >= rows_) return rows_;
  const std::size_t ns = sources_.size();
  if (within(terms, &suffix_[from * ns], budget)) return rows_;
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
