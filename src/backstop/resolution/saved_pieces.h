// File: resolution/saved_pieces.h
// The pieces of one kind (accounts, asset states, market states) that an open ResolutionStep has
// saved before changing them, keyed by id, in saving order. A step usually saves one or two: they
// sit in a small inline vector and are found by a linear search. Past kIndexAbove pieces (a
// socialisation saves every holder of a market) a sorted index of the keys is kept as well, so
// that saving n pieces stays O(n log n). clear() keeps the vector's capacity (the undo logs are
// pooled and reused, resolver.h). Value semantics; not thread-safe.
#pragma once

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <set>
#include <utility>

namespace backstop {

template <class K, class V>
class SavedPieces {
 public:
  static constexpr std::size_t kIndexAbove = 16;

  [[nodiscard]] bool contains(K key) const {
    if (!index_.empty()) return index_.contains(key);
    return std::any_of(items_.begin(), items_.end(),
                       [&](const std::pair<K, V>& kv) { return kv.first == key; });
  }
  // Saves `value` under `key`, which must not be saved yet (check contains first).
  void add(K key, V value) {
    items_.emplace_back(key, std::move(value));
    if (!index_.empty()) {
      index_.insert(key);
    } else if (items_.size() > kIndexAbove) {
      for (const auto& kv : items_) index_.insert(kv.first);
    }
  }
  // Moves into this every piece of `from` whose key this has not saved, and empties `from`.
  void merge(SavedPieces& from) {
    for (auto& kv : from.items_) {
      if (!contains(kv.first)) add(kv.first, std::move(kv.second));
    }
    from.clear();
  }
  void clear() {
    items_.clear();
    index_.clear();
  }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  [[nodiscard]] auto begin() const { return items_.begin(); }
  [[nodiscard]] auto end() const { return items_.end(); }

 private:
  boost::container::small_vector<std::pair<K, V>, 2> items_;
  std::set<K> index_;  // the keys of items_, once there are more than kIndexAbove
};

}  // namespace backstop
