// File: monitor/account_set.h
// An ordered set of account ids kept as a two-level bitmap: one bit per account id (up to the
// largest ever inserted) and one summary bit per 64-bit word that is not zero. Insert, erase and
// contains are O(1) and touch one or two words; iteration is in increasing id order and costs
// O(ids / 4096 + members). It replaces a node-based std::set for the monitor's unsafe accounts:
// a tick flips ~1,000 of them, and on a 10M-account book every node of a tree of scattered heap
// allocations is a cache and TLB miss (BENCHMARKS.md, session 7).
// Memory: 1 bit per account id + 1/64 of that. Value semantics; not thread-safe (one writer).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <set>
#include <vector>

#include "backstop/model/ids.h"

namespace backstop {

class AccountSet {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using iterator_concept = std::forward_iterator_tag;
    using value_type = AccountId;
    using difference_type = std::ptrdiff_t;
    using pointer = const AccountId*;
    using reference = AccountId;

    iterator() = default;
    AccountId operator*() const { return static_cast<AccountId>(pos_); }
    iterator& operator++() {
      pos_ = set_->next(pos_ + 1);
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.pos_ == b.pos_; }

   private:
    friend class AccountSet;
    iterator(const AccountSet* s, std::size_t pos) : set_(s), pos_(pos) {}
    const AccountSet* set_ = nullptr;
    std::size_t pos_ = kEnd;
  };
  using const_iterator = iterator;
  using value_type = AccountId;

  AccountSet() = default;
  AccountSet(std::initializer_list<AccountId> ids) {
    for (AccountId id : ids) insert(id);
  }

  [[nodiscard]] bool contains(AccountId id) const {
    const std::size_t w = id / 64;
    return w < words_.size() && ((words_[w] >> (id % 64)) & 1U) != 0;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  // Whether the id was added (false: already a member).
  bool insert(AccountId id) {
    const std::size_t w = id / 64;
    if (w >= words_.size()) {
      words_.resize(w + 1, 0);
      summary_.resize(w / 64 + 1, 0);
    }
    const uint64_t bit = uint64_t{1} << (id % 64);
    if ((words_[w] & bit) != 0) return false;
    words_[w] |= bit;
    summary_[w / 64] |= uint64_t{1} << (w % 64);
    ++size_;
    return true;
  }
  // Whether the id was removed (false: not a member).
  bool erase(AccountId id) {
    if (!contains(id)) return false;
    const std::size_t w = id / 64;
    words_[w] &= ~(uint64_t{1} << (id % 64));
    if (words_[w] == 0) summary_[w / 64] &= ~(uint64_t{1} << (w % 64));
    --size_;
    return true;
  }
  void clear() {
    words_.clear();
    summary_.clear();
    size_ = 0;
  }

  [[nodiscard]] iterator begin() const { return {this, next(0)}; }
  [[nodiscard]] iterator end() const { return {this, kEnd}; }

  // The same members (however far each one's storage has grown).
  friend bool operator==(const AccountSet& a, const AccountSet& b) {
    if (a.size_ != b.size_) return false;
    const std::size_t n = std::max(a.words_.size(), b.words_.size());
    for (std::size_t w = 0; w < n; ++w) {
      if (a.word(w) != b.word(w)) return false;
    }
    return true;
  }
  // For tests and checkers that hold the truth as a std::set.
  friend bool operator==(const AccountSet& a, const std::set<AccountId>& b) {
    return a.size_ == b.size() && std::equal(b.begin(), b.end(), a.begin());
  }
  [[nodiscard]] std::set<AccountId> to_set() const { return {begin(), end()}; }

 private:
  static constexpr std::size_t kEnd = ~std::size_t{0};
  [[nodiscard]] uint64_t word(std::size_t w) const { return w < words_.size() ? words_[w] : 0; }

  // The smallest member >= from, or kEnd.
  [[nodiscard]] std::size_t next(std::size_t from) const {
    std::size_t w = from / 64;
    if (w >= words_.size()) return kEnd;
    const uint64_t rest = from % 64 == 0 ? words_[w] : words_[w] & (~uint64_t{0} << (from % 64));
    if (rest != 0) return w * 64 + static_cast<std::size_t>(std::countr_zero(rest));
    // The next non-zero word, through the summary.
    ++w;
    std::size_t s = w / 64;
    if (s >= summary_.size()) return kEnd;
    uint64_t bits = w % 64 == 0 ? summary_[s] : summary_[s] & (~uint64_t{0} << (w % 64));
    while (bits == 0) {
      if (++s >= summary_.size()) return kEnd;
      bits = summary_[s];
    }
    const std::size_t nw = s * 64 + static_cast<std::size_t>(std::countr_zero(bits));
    return nw * 64 + static_cast<std::size_t>(std::countr_zero(words_[nw]));
  }

  std::vector<uint64_t> words_;    // bit i of words_[w]: account 64 w + i
  std::vector<uint64_t> summary_;  // bit j of summary_[s]: words_[64 s + j] != 0
  std::size_t size_ = 0;
};

}  // namespace backstop
