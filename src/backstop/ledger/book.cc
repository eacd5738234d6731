#include "backstop/ledger/book.h"

#include <array>
#include <limits>

namespace backstop {
namespace {

constexpr std::array<std::string_view, kBookKindCount> kNames = {
    "account",        "insurance_fund", "treasury",      "liquidator",    "backstop_vault",
    "staked_tranche", "suppliers",      "borrowers",     "open_interest", "deficit",
    "recap",          "external",       "rounding_dust",
};

}  // namespace

std::string_view book_kind_name(BookKind k) {
  return kNames.at(static_cast<std::size_t>(k));
}

std::optional<BookKind> parse_book_kind(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<BookKind>(i);
  }
  return std::nullopt;
}

std::string book_name(Book b) {
  std::string s(book_kind_name(b.kind));
  s += ':';
  s += std::to_string(b.id);
  return s;
}

std::optional<Book> parse_book(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto kind = parse_book_kind(text.substr(0, colon));
  const std::string_view digits = text.substr(colon + 1);
  if (!kind || digits.empty() || digits.size() > 10) return std::nullopt;
  uint64_t id = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  if (id > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return Book{*kind, static_cast<uint32_t>(id)};
}

}  // namespace backstop
