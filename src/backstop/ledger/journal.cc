#include "backstop/ledger/journal.h"

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <set>

namespace backstop {
namespace {

constexpr std::array<std::string_view, kEntryKindCount> kEntryNames = {
    "liquidation",
    "penalty",
    "liquidator_reward",
    "insurance_fee",
    "insurance_payout",
    "stake_slash",
    "supplier_haircut",
    "open_interest_socialization",
    "borrower_redistribution",
    "adl_fill",
    "bad_debt",
    "deficit_cover",
    "recap_debt",
    "absorb",
    "auction_take",
    "keeper_incentive",
};

std::string pair_name(const BookAsset& k) {
  return book_name(k.book) + " asset " + std::to_string(k.asset);
}

// Adds the flows of `e` into `into` (Holdings or StepHoldings) with checked arithmetic.
template <class Map>
void accumulate(const JournalEntry& e, Map& into) {
  for (const Leg& l : e.legs) {
    int128& from = into[{l.from, l.asset}];
    from = checked_sub(from, static_cast<int128>(l.amount.raw()), "ledger balance");
    int128& to = into[{l.to, l.asset}];
    to = checked_add(to, static_cast<int128>(l.amount.raw()), "ledger balance");
  }
}

}  // namespace

std::string_view entry_kind_name(EntryKind k) {
  return kEntryNames.at(static_cast<std::size_t>(k));
}

std::optional<EntryKind> parse_entry_kind(std::string_view name) {
  for (std::size_t i = 0; i < kEntryNames.size(); ++i) {
    if (kEntryNames[i] == name) return static_cast<EntryKind>(i);
  }
  return std::nullopt;
}

void validate_entry(const JournalEntry& e) {
  // The messages are built only for an invalid entry (this runs for every posted entry).
  auto what = [&] {
    return std::string("journal entry (") + std::string(entry_kind_name(e.kind)) + ")";
  };
  if (e.legs.empty()) throw std::invalid_argument(what() + " has no legs");
  for (std::size_t i = 0; i < e.legs.size(); ++i) {
    const Leg& l = e.legs[i];
    auto leg = [&] { return what() + " leg " + std::to_string(i) + " "; };
    if (!l.amount.is_positive()) {
      throw std::invalid_argument(leg() + "amount must be > 0, got " +
                                  std::to_string(l.amount.raw()));
    }
    if (l.from == l.to) {
      throw std::invalid_argument(leg() + "moves from " + book_name(l.from) + " to itself");
    }
  }
}

Holdings net_flows(std::span<const JournalEntry> entries) {
  Holdings h;
  for (const JournalEntry& e : entries) accumulate(e, h);
  return h;
}

Journal::Journal(const Journal& o) {
  const std::lock_guard<std::mutex> lock(o.fold_mutex_);
  entries_ = o.entries_;
  balances_ = o.balances_;
  folded_ = o.folded_;
}

Journal& Journal::operator=(const Journal& o) {
  if (this == &o) return *this;
  const std::scoped_lock lock(fold_mutex_, o.fold_mutex_);
  entries_ = o.entries_;
  balances_ = o.balances_;
  folded_ = o.folded_;
  return *this;
}

Journal::Journal(Journal&& o) noexcept
    : entries_(std::move(o.entries_)), balances_(std::move(o.balances_)), folded_(o.folded_) {
  o.entries_.clear();
  o.balances_.clear();
  o.folded_ = 0;
}

Journal& Journal::operator=(Journal&& o) noexcept {
  if (this == &o) return *this;
  entries_ = std::move(o.entries_);
  balances_ = std::move(o.balances_);
  folded_ = o.folded_;
  o.entries_.clear();
  o.balances_.clear();
  o.folded_ = 0;
  return *this;
}

const JournalEntry& Journal::post(JournalEntry e) {
  validate_entry(e);
  if (!entries_.empty() && e.time < entries_.back().time) {
    throw std::invalid_argument("journal entry time " + std::to_string(e.time) +
                                " is before the last entry's time " +
                                std::to_string(entries_.back().time));
  }
  // Room for one more first, growing geometrically: reserve(size + 1) would reallocate and copy
  // on every call.
  if (entries_.size() == entries_.capacity()) {
    entries_.reserve(std::max<std::size_t>(16, 2 * entries_.capacity()));
  }
  e.seq = entries_.size();
  entries_.push_back(std::move(e));
  return entries_.back();
}

void Journal::fold() const {
  const std::lock_guard<std::mutex> lock(fold_mutex_);
  for (; folded_ < entries_.size(); ++folded_) accumulate(entries_[folded_], balances_);
}

const Holdings& Journal::balances() const {
  fold();
  return balances_;
}

std::span<const JournalEntry> Journal::entries_since(uint64_t first) const {
  if (first >= entries_.size()) return {};
  return std::span<const JournalEntry>(entries_).subspan(static_cast<std::size_t>(first));
}

int128 Journal::balance(Book book, AssetId asset) const {
  fold();
  const auto it = balances_.find({book, asset});
  return it == balances_.end() ? 0 : it->second;
}

std::vector<Book> Journal::books() const {
  std::vector<Book> out;
  for (const auto& [k, v] : balances()) {
    if (out.empty() || out.back() != k.book) out.push_back(k.book);
  }
  return out;  // map order is (book, asset), so books come out ascending and grouped
}

std::vector<AssetId> Journal::assets() const {
  std::set<AssetId> s;
  for (const auto& [k, v] : balances()) s.insert(k.asset);
  return {s.begin(), s.end()};
}

void Journal::check_balanced() const {
  const Holdings recomputed = net_flows(entries_);
  for (const auto& [k, v] : balances()) {
    const auto it = recomputed.find(k);
    const int128 expect = it == recomputed.end() ? 0 : it->second;
    if (v != expect) {
      throw ConservationError("journal balance of " + pair_name(k) + " is " + to_string(v) +
                              " but the entries sum to " + to_string(expect));
    }
  }
  for (const auto& [k, v] : recomputed) {
    if (!balances_.contains(k)) {
      throw ConservationError("journal has no running balance for " + pair_name(k) +
                              " although entries move " + to_string(v));
    }
  }
  std::map<AssetId, int128> per_asset;
  for (const auto& [k, v] : balances_) {
    per_asset[k.asset] = checked_add(per_asset[k.asset], v, "ledger asset total");
  }
  for (const auto& [a, sum] : per_asset) {
    if (sum != 0) {
      throw ConservationError("journal balances of asset " + std::to_string(a) + " sum to " +
                              to_string(sum) + ", not 0");
    }
  }
}

namespace {

// One tracked pair of a step: the measured change (after - before) must be the journal's flow.
void check_pair(const BookAsset& k, int128 before, int128 after, int128 expected) {
  const int128 actual = checked_sub(after, before, "conservation check");
  if (actual == expected) return;
  throw ConservationError("conservation violated at " + pair_name(k) + ": journal moves " +
                          to_string(expected) + " but the measured change is " + to_string(actual) +
                          " (before " + to_string(before) + ", after " + to_string(after) +
                          ", difference " +
                          to_string(checked_sub(actual, expected, "conservation check")) + ")");
}

// verify_step for either map type: the flows of `step`, then every tracked pair in (book, asset)
// order.
template <class Map>
std::size_t verify_step_in(const Map& before, const Map& after, std::span<const JournalEntry> step,
                           std::span<const BookKind> complete_kinds) {
  StepHoldings flows;
  for (const JournalEntry& e : step) accumulate(e, flows);
  boost::container::small_vector<BookAsset, 16> tracked;
  for (const auto& [k, v] : before) tracked.push_back(k);
  for (const auto& [k, v] : after) tracked.push_back(k);
  for (const auto& [k, v] : flows) {
    if (std::find(complete_kinds.begin(), complete_kinds.end(), k.book.kind) !=
        complete_kinds.end()) {
      tracked.push_back(k);
    }
  }
  std::sort(tracked.begin(), tracked.end());
  tracked.erase(std::unique(tracked.begin(), tracked.end()), tracked.end());
  auto get = [](const auto& h, const BookAsset& k) -> int128 {
    const auto it = h.find(k);
    return it == h.end() ? 0 : it->second;
  };
  for (const BookAsset& k : tracked) {
    check_pair(k, get(before, k), get(after, k), get(flows, k));
  }
  return tracked.size();
}

}  // namespace

std::size_t verify_step(const Holdings& before, const Holdings& after,
                        std::span<const JournalEntry> step,
                        std::span<const BookKind> complete_kinds) {
  return verify_step_in(before, after, step, complete_kinds);
}

// The same check for a step's few pairs, by one merge of three sorted lists (before, after, and
// the legs' flows summed per pair) instead of a tracked set with a search per pair in each: every
// liquidation step runs it.
std::size_t verify_step(const StepHoldings& before, const StepHoldings& after,
                        std::span<const JournalEntry> step,
                        std::span<const BookKind> complete_kinds) {
  using Flow = std::pair<BookAsset, int128>;
  boost::container::small_vector<Flow, 16> flows;
  for (const JournalEntry& e : step) {
    for (const Leg& l : e.legs) {
      flows.emplace_back(BookAsset{l.from, l.asset}, -static_cast<int128>(l.amount.raw()));
      flows.emplace_back(BookAsset{l.to, l.asset}, static_cast<int128>(l.amount.raw()));
    }
  }
  std::sort(flows.begin(), flows.end(),
            [](const Flow& x, const Flow& y) { return x.first < y.first; });
  std::size_t n = 0;  // summed in place, one entry per pair
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (n > 0 && flows[n - 1].first == flows[i].first) {
      flows[n - 1].second = checked_add(flows[n - 1].second, flows[i].second, "ledger balance");
    } else {
      flows[n++] = flows[i];
    }
  }
  flows.resize(n);
  auto b = before.begin();
  auto a = after.begin();
  auto f = flows.begin();
  std::size_t checked = 0;
  while (b != before.end() || a != after.end() || f != flows.end()) {
    BookAsset k = b != before.end() ? b->first : a != after.end() ? a->first : f->first;
    if (a != after.end() && a->first < k) k = a->first;
    if (f != flows.end() && f->first < k) k = f->first;
    const bool in_b = b != before.end() && b->first == k;
    const bool in_a = a != after.end() && a->first == k;
    const bool in_f = f != flows.end() && f->first == k;
    const int128 bv = in_b ? (b++)->second : 0;
    const int128 av = in_a ? (a++)->second : 0;
    const int128 expected = in_f ? (f++)->second : 0;
    if (!in_b && !in_a &&
        std::find(complete_kinds.begin(), complete_kinds.end(), k.book.kind) ==
            complete_kinds.end()) {
      continue;  // a leg into a book the step does not track
    }
    ++checked;
    check_pair(k, bv, av, expected);
  }
  return checked;
}

}  // namespace backstop
