// File: ledger/book.h
// Books: the named holders of value in the double-entry journal (ledger/journal.h). A Book is a
// kind plus a 32-bit id whose meaning depends on the kind:
//
//   Account         AccountId of a margin account
//   InsuranceFund   fund id (0 = the venue-wide fund; a market id for per-market funds)
//   Treasury        treasury id (0 = the protocol treasury / Aave Collector / Maker Vow surplus)
//   Liquidator      liquidator / keeper id
//   BackstopVault   vault id (e.g. Hyperliquid HLP-style vault)
//   StakedTranche   tranche id (e.g. an Umbrella StakeToken per reserve: the asset id)
//   Suppliers       asset id: the lenders of that asset taken together (socialised haircut)
//   Borrowers       asset id: the borrowers of that asset together (Liquity-style redistribution)
//   OpenInterest    market id: the counterparties of a perp market together (socialised PnL)
//   Deficit         asset id: the unbacked-liability book of that asset (Aave 3.3 reserve deficit)
//   Recap           recapitalisation source id (Maker flop: dilution of a governance token)
//   External        outside the venue (market buyers of seized collateral, oracle-priced sinks)
//   RoundingDust    rounding sink id (sub-quantum remainders kept by the venue)
//
// Books are totally ordered (kind, then id), so maps keyed by Book iterate deterministically.
// Stable text names: "<kind>:<id>", e.g. "account:12", "insurance_fund:0", "deficit:3".
// Pure value types, header + small .cc, thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backstop/model/ids.h"

namespace backstop {

enum class BookKind : uint8_t {
  Account,
  InsuranceFund,
  Treasury,
  Liquidator,
  BackstopVault,
  StakedTranche,
  Suppliers,
  Borrowers,
  OpenInterest,
  Deficit,
  Recap,
  External,
  RoundingDust,
};
inline constexpr int kBookKindCount = 13;

struct Book {
  BookKind kind = BookKind::External;
  uint32_t id = 0;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on defaulted <=>
  constexpr auto operator<=>(const Book&) const = default;

  [[nodiscard]] static constexpr Book account(AccountId a) { return {BookKind::Account, a}; }
  [[nodiscard]] static constexpr Book insurance_fund(uint32_t id = 0) {
    return {BookKind::InsuranceFund, id};
  }
  [[nodiscard]] static constexpr Book treasury(uint32_t id = 0) { return {BookKind::Treasury, id}; }
  [[nodiscard]] static constexpr Book liquidator(uint32_t id) { return {BookKind::Liquidator, id}; }
  [[nodiscard]] static constexpr Book deficit(AssetId asset) { return {BookKind::Deficit, asset}; }
  [[nodiscard]] static constexpr Book external(uint32_t id = 0) { return {BookKind::External, id}; }
};

// "account", "insurance_fund", ..., "rounding_dust" (snake_case, stable: used in JSON).
[[nodiscard]] std::string_view book_kind_name(BookKind k);
[[nodiscard]] std::optional<BookKind> parse_book_kind(std::string_view name);

// "account:12". parse_book accepts exactly that form (decimal id, no sign, no spaces).
[[nodiscard]] std::string book_name(Book b);
[[nodiscard]] std::optional<Book> parse_book(std::string_view text);

// A (book, asset) pair: the key of every balance in the ledger. Ordered by book, then asset.
struct BookAsset {
  Book book;
  AssetId asset = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on defaulted <=>
  constexpr auto operator<=>(const BookAsset&) const = default;
};

}  // namespace backstop
