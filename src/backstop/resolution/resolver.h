// File: resolution/resolver.h
// The resolution layer: after every accepted event it finds the accounts below maintenance (the
// incremental monitor), liquidates them by the configured policy against the liquidity models,
// and sends any loss through the waterfall (insurance fund, staked tranche, mutualization, ADL,
// recapitalisation debt). Every transfer is a balanced journal entry, and after every liquidation
// and waterfall step a conservation check compares what the journal says moved with what changed
// in the state; a mismatch throws ConservationError (fatal, never absorbed).
//
// Atomic steps: every liquidation / waterfall step (a ResolutionStep, below) is all-or-nothing. If
// anything throws between its start and its successful finish() (OverflowError from checked
// arithmetic, ConservationError from finish(), ...), every piece of state it changed is restored
// exactly (accounts, asset and market states, liquidity models, funds, tranches, treasury, capital,
// auctions, journal, bad-debt ledger, records, totals, pending socialisations) and the exception
// propagates. Contract of apply() when a step throws: the event itself stays applied (the engine
// accepted it), every step completed before the failing one stays (each conserved and journaled),
// the failing step leaves no trace, the rest of the event's resolution does not run, and the
// exception propagates out of apply(). The Resolver stays usable: the next apply() re-syncs the
// accounts the completed steps changed. Cost: a step saves only what it touches (its accounts, and
// the asset / market states, models and auctions it changes) plus the small venue-level maps; the
// journal entries of a step are posted when it finishes. A rolled-back step that had booked bad
// debt rebuilds the bad-debt ledger from its history (failure path only).
//
// Order is deterministic: accounts are resolved by id; an account with perp positions is
// liquidated on its perps first, then on its loans. Prices that are not usable (stale, zero)
// never trigger a liquidation. Owns its monitor, journal and books; drives the Engine it is given
// (single writer, not thread-safe).
#pragma once

#include <boost/container/small_vector.hpp>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "backstop/engine/engine.h"
#include "backstop/ledger/bad_debt.h"
#include "backstop/ledger/journal.h"
#include "backstop/monitor/monitor.h"
#include "backstop/resolution/config.h"
#include "backstop/resolution/record.h"
#include "backstop/resolution/saved_pieces.h"

namespace backstop {

class ResolutionStep;

struct ResolutionTotals {
  int64_t liquidations = 0;
  int64_t declined = 0;  // liquidator declined (no profit, no capital) or blocked (guard)
  int64_t adl_fills = 0;
  Value adl_notional{};      // ADL fills' size x bankruptcy price, USD (each rounded up)
  Value liquidated_value{};  // debt repaid + notional closed, USD
  Value bad_debt{};          // written off, USD at the time
};

// The monitor learns how much each price moves over windows of this much event time (seconds) and
// shares its bands' room accordingly (monitor/volatility.h); no result depends on it.
inline constexpr int64_t kMonitorVolatilityWindow = 3'600;

class Resolver {
 public:
  Resolver(Engine& engine, ResolutionConfig cfg);
  // A copy of `prototype` driving `engine`, whose state must equal prototype.engine()'s (the
  // simulator builds the monitor once and copies it per path instead of rebuilding it).
  Resolver(Engine& engine, const Resolver& prototype);
  // Makes this resolver a copy of `prototype` (as the constructor above) while keeping the engine
  // it drives, whose state must now equal prototype.engine()'s. Reuses this one's memory (the
  // simulator resets one resolver per worker for every path). Same requirement on open steps.
  void reset_to(const Resolver& prototype);
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Applies the event; when it is accepted (and resolution is enabled) resolves every account it
  // left below maintenance. Returns the event's outcome.
  Outcome apply(const Event& e);
  // Applies the events in order, then resolves once (a simulation step's simultaneous price
  // moves: no account is liquidated on a state where only some of the step's prices moved).
  // Returns each event's outcome. apply(e) is apply_all({e}).
  std::vector<Outcome> apply_all(std::span<const Event> events);

  [[nodiscard]] const Engine& engine() const { return engine_; }
  [[nodiscard]] const ResolutionConfig& config() const { return cfg_; }
  [[nodiscard]] const std::vector<ResolutionRecord>& records() const { return records_; }
  [[nodiscard]] const Journal& journal() const { return journal_; }
  [[nodiscard]] const BadDebtLedger& bad_debt() const { return bad_debt_; }
  [[nodiscard]] const std::map<AssetId, Quantity>& treasury() const { return treasury_; }
  [[nodiscard]] const MarginMonitor& monitor() const { return monitor_; }
  // Whether monitor().unsafe() is exactly the accounts below maintenance now: every change since
  // the monitor's last sync was synced (none is left over from a step that threw) and the monitor
  // is current for the engine's state (MarginMonitor::current). Then every other account has a
  // maintenance excess >= 0, hence equity >= 0 (margin/risk.h, account_equity).
  [[nodiscard]] bool unsafe_is_exact() const;
  [[nodiscard]] const ResolutionTotals& totals() const { return totals_; }

  // ---- Simulation hooks (sim/), called between events, never during one. ----
  // Anchors the liquidity model of an asset / a market at an exogenous market price: from now on
  // follow_prices() moves its reference there instead of to the oracle (in a simulation the oracle
  // may lag, and already carries the impact of earlier sales). Non-positive prices unpin.
  void anchor_asset_liquidity(AssetId a, Price p);
  void anchor_market_liquidity(MarketId m, Price p);
  // What running Dutch auctions would still lose if their lots were worth the oracle price: the
  // sum over auctions of max(0, debt still owed (up) - lot at the oracle (down)), USD.
  [[nodiscard]] Value open_auction_shortfall() const;
  // Drops the records read so far (records() becomes empty; nothing else changes): a simulated
  // path reads each step's records once and frees them while they are still in cache, instead
  // of keeping a path's worth to free at its end. Their field lists (emptied, capacity kept) are
  // reused by the next records.
  void clear_records();
  // The configuration to change between events: liquidator presence, liquidity depth.
  [[nodiscard]] ResolutionConfig& mutable_config() { return cfg_; }
  // The monitor's per-source volatility (MarginMonitor::set_volatility) and pinned sources
  // (MarginMonitor::pin_sources: none when empty); re-splits every band now (one full scan).
  // Changes no result, only which bands are crossed first. The values are the priors of the
  // monitor's learning (kMonitorVolatilityWindow): what it has learned is dropped.
  void set_monitor_volatility(std::vector<uint8_t> log2_vol, std::vector<uint8_t> pinned = {});
  // The monitor's price schedule (MarginMonitor::set_schedule): prices known in advance, such as
  // a simulated path's. A schedule whose sources differ from the current one's (or nullptr)
  // rebuilds every band now (one full scan); one with the same sources certifies the waiting
  // bands at once. Changes no result, only how often the monitor looks at each account.
  void set_price_schedule(std::shared_ptr<const PriceSchedule> schedule);

 private:
  friend class ResolutionStep;
  // Test-only access to the fault injection below (defined in tests/resolution_atomic_test.cc).
  friend struct ResolverTestHook;

  void resolve(Timestamp t, const std::vector<AccountId>& touched, bool full);
  void step_autolines(Timestamp t);
  // Slippage curves are anchored at the current oracle / mark (pools and ladders keep their own
  // prices: a scenario states them).
  void follow_prices();
  bool liquidate_lending(AccountId id, Timestamp t);  // lending.cc
  bool liquidate_perps(AccountId id, Timestamp t);    // perps.cc
  // takeover.cc: the vault takes every position and balance of the account (Absorb also credits
  // the account the excess of its collateral at the liquidation factor over its debt).
  bool take_over(AccountId id, Timestamp t, bool absorb);
  // Liquity: offset with the stability pool, redistribute the rest (takeover.cc).
  bool offset_and_redistribute(AccountId id, Timestamp t);
  // Compound v3 store front: the liquidator buys the vault's absorbed collateral (takeover.cc).
  void run_store_front(Timestamp t);
  // auction_exec.cc: Dog.bark + Clipper.kick for an unsafe account; each event, every running
  // auction is reset when it must be and taken by the keeper when its price is worth it.
  bool start_auction(AccountId id, Timestamp t);
  void run_auctions(Timestamp t);
  void end_auction(std::size_t i, Timestamp t);
  // Writes off what an account with nothing left still owes and runs each loss through the
  // waterfall (waterfall_exec.cc).
  void write_off(AccountId id, Timestamp t, std::optional<MarketId> market);
  void run_waterfall(AssetId asset, Quantity amount, std::optional<MarketId> market, AccountId from,
                     Timestamp t);
  // Applies the socialisations pending for (asset, market): one pass over the market's positions
  // for the total, then one waterfall record per bankrupt account.
  // The pending entry is removed within the same (atomic) step.
  void socialize_over_positions(AssetId asset, MarketId market, Timestamp t);
  void apply_pending_socializations(Timestamp t);
  // perps.cc: settles funding and fills `delta` of the account's position at `price` against
  // `counterparty` (journaling funding, the fill's cost and the realisation dust into `e`).
  // Returns the fill's cost to the account (> 0: paid).
  Quantity fill_position(JournalEntry& e, AccountId id, MarketId m, Quantity delta, Price price,
                         Book counterparty);
  [[nodiscard]] Quantity close_size(AccountId id, MarketId m) const;
  [[nodiscard]] bool exit_holds(AccountId id) const;
  // Closes `remaining` (signed like the position) of a position the market could not absorb
  // against ranked opposite positions at the account's bankruptcy price.
  void deleverage(AccountId id, MarketId m, Quantity remaining, Timestamp t);

  // Adds `delta` to the account's balance of `asset` and returns what it really changed by
  // (scaled balances round in the venue's favour; the difference is journaled as dust).
  Quantity adjust(AccountId id, AssetId asset, Quantity delta);
  // Journals `actual - intended` of an adjust() as rounding dust (|dust| is bounded by the
  // asset's index; more is a ConservationError).
  void dust_legs(JournalEntry& e, AccountId id, AssetId asset, Quantity actual, Quantity intended);
  // The liquidator's choice, made deterministic: the account's largest debt and its largest
  // collateral usable at maintenance, by USD value (ties: the lower asset id).
  struct LiquidationPair {
    std::optional<AssetId> debt;
    std::optional<AssetId> collateral;
  };
  [[nodiscard]] LiquidationPair pick_pair(AccountId id) const;
  // Appends a record. `kind` and the field keys must be string literals: the record keeps views
  // of them (record.h). Without cfg_.record_fields the record has no fields.
  void record(Timestamp t, const char* kind, std::optional<AccountId> account,
              std::vector<RecordField> fields);
  // The same from a braced list, {{"market", ...}, {"size", ...}}: each key is a literal, which
  // the record refers to, and each value is moved into the record, not copied out of the list (an
  // initializer_list's elements are const, hence `mutable`).
  struct Field {
    const char* key;
    mutable RecordValue value;
  };
  void record(Timestamp t, const char* kind, std::optional<AccountId> account,
              std::initializer_list<Field> fields);
  [[nodiscard]] std::string asset_amount(AssetId a, Quantity q) const;
  [[nodiscard]] Value usd(AssetId a, Quantity q, Rounding r) const;

  Engine& engine_;
  ResolutionConfig cfg_;
  MarginMonitor monitor_;
  Journal journal_;
  BadDebtLedger bad_debt_;
  std::map<AssetId, Quantity> treasury_;
  std::map<AccountId, Timestamp> unsafe_since_;
  liquidation::TickBudget budget_;
  Timestamp budget_time_ = -1;
  std::vector<ResolutionRecord> records_;
  // Emptied field lists of cleared records, reused by record() (a cache: not copied with the
  // resolver, no result depends on it).
  std::vector<std::vector<RecordField>> spare_fields_;
  ResolutionTotals totals_;
  std::vector<AccountId> touched_;  // accounts changed since the monitor's last sync
  struct Auction {
    AccountId owner = 0;
    AssetId collateral = 0;
    AssetId debt = 0;
    liquidation::MakerSale sale;
    Quantity sin{};  // debt taken from the vault and not yet paid back (debt quanta)
    Value tab{};     // tab at kick (for the limits)
    Timestamp kicked = 0;
    bool running = true;
  };
  std::vector<Auction> auctions_;
  // Perp losses to socialise over open interest, applied once per market at the end of the
  // event's resolution (one pass over the positions per market, not one per write-off).
  // (asset, market) -> (bankrupt account, amount) in booking order.
  std::map<std::pair<AssetId, MarketId>, std::vector<std::pair<AccountId, Quantity>>>
      pending_social_;
  // Accounts holding a position per market, built on first use within one event's resolution.
  std::map<MarketId, std::vector<AccountId>> holders_;
  const std::vector<AccountId>& holders(MarketId m);
  std::map<AssetId, Price> asset_anchor_;  // simulation hooks: exogenous liquidity references
  std::map<MarketId, Price> market_anchor_;
  // Perp pacing (perps.cc; config.h PerpPacing, PerpChunks): per account in a liquidation
  // episode, the margin shortage freed so far and the time of its last paced liquidation; per
  // position, the time of its last Hyperliquid chunk.
  struct Pacing {
    Value freed{};
    std::optional<Timestamp> paced_at;
  };
  std::map<AccountId, Pacing> pacing_;
  std::map<std::pair<AccountId, MarketId>, Timestamp> last_chunk_;
  // max(0, ceil(perp notional x buffer) - maintenance excess), USD.
  [[nodiscard]] Value perp_shortage(AccountId id) const;
  std::map<AssetId, Value> dirt_;  // tab in auction per collateral asset
  Value global_dirt_{};

  // Atomic steps (step.cc). The innermost open step, or none; every change below is made inside
  // one, which saves what it is about to change (the save_* helpers throw std::logic_error when no
  // step is open: an unsaved change could not be undone).
  ResolutionStep* open_step_ = nullptr;
  // The undo log of one open step: the values before the step of what it saved, and its journal
  // entries (posted when the outermost step commits). One per nesting depth in undo_pool_,
  // reused by the next step at that depth: the venue maps are assigned over the previous step's
  // (their nodes are reused), the saved pieces are small flat vectors (saved_pieces.h), so a step
  // allocates nothing once the pool is warm (a simulated path opens one per account it liquidates).
  // A cache: not copied with the resolver.
  struct StepUndo {
    std::vector<JournalEntry> pending;
    SavedPieces<AccountId, MarginAccount> accounts;
    SavedPieces<AssetId, AssetState> assets;
    SavedPieces<MarketId, PerpState> perps;
    std::map<AssetId, LiquidityModel> asset_models;
    std::map<MarketId, LiquidityModel> market_models;
    std::map<std::size_t, Auction> auctions;
    std::map<AccountId, std::optional<Pacing>> pacing;  // none: absent
    std::map<std::pair<AccountId, MarketId>, std::optional<Timestamp>> chunks;
    std::map<AssetId, Quantity> treasury;
    std::map<AssetId, InsuranceFund> insurance;
    std::map<AssetId, StakedTranche> tranche;
    std::map<AssetId, Quantity> capital;
    liquidation::TickBudget budget;
    ResolutionTotals totals;
    std::map<AssetId, Value> dirt;
    Value global_dirt{};
    decltype(pending_social_) pending_social;
  };
  std::vector<std::unique_ptr<StepUndo>> undo_pool_;
  std::size_t undo_depth_ = 0;  // open steps
  StepUndo& acquire_undo();     // the pool's next one, its saved pieces and entries empty
  void release_undo() noexcept { --undo_depth_; }
  [[nodiscard]] ResolutionStep& open_step();
  // Journals `e` as part of the open step (posted to journal_ when the outermost step finishes);
  // with no open step, posts it at once.
  void post(JournalEntry e);
  // Fault injection for tests (ResolverTestHook): each fault point counts; the point numbered
  // `at_point` (1-based; 0 = never) throws, as does the start of step number `at_step`. A point
  // inside finish() throws ConservationError, every other one OverflowError.
  struct FaultInjection {
    int64_t at_point = 0;
    int64_t at_step = 0;
    int64_t points = 0;  // fault points passed so far
    int64_t steps = 0;   // steps started so far
  };
  FaultInjection fault_;
  enum class FaultPoint : uint8_t { StepStart, Change, Journal, Record, Finish };
  void fault_point(FaultPoint where);

 public:
  [[nodiscard]] std::size_t running_auctions() const;
};

// Measures the tracked books (the given accounts, insurance funds, treasury, tranches) before a
// step and, in finish(), after it, and proves the difference equals the journal's legs for the
// step (ledger/journal.h verify_step). Accounts can be added until the first change.
//
// It is also the step's undo log (step.cc): it saves its accounts and the venue-level maps at the
// start and, lazily, each asset / market state, liquidity model and auction before the step
// changes it. A step destroyed without a successful finish() (an exception, or an early return)
// restores all of it; finish() commits (into the enclosing step when steps nest). Not copyable.
class ResolutionStep {
 public:
  ResolutionStep(Resolver& r, std::initializer_list<AccountId> accounts);
  ResolutionStep(Resolver& r, std::span<const AccountId> accounts);
  ~ResolutionStep();
  ResolutionStep(const ResolutionStep&) = delete;
  ResolutionStep& operator=(const ResolutionStep&) = delete;
  void add_account(AccountId id);  // measured now, before the caller changes it
  void finish();                   // throws ConservationError on any mismatch

  // Saves the piece before the caller changes it (no-op when already saved).
  void save_account(AccountId id);
  void save_asset(AssetId a);
  void save_market(MarketId m);
  void save_asset_model(AssetId a);
  void save_market_model(MarketId m);
  void save_auction(std::size_t i);
  void save_pacing(AccountId id);
  void save_chunk(AccountId id, MarketId m);

 private:
  friend class Resolver;
  // `r`, once the step's start has passed its fault point: before the undo log is taken, so that
  // a throw there leaves nothing to give back.
  static Resolver& started(Resolver& r);
  void measure_into(StepHoldings& h, AccountId id) const;
  [[nodiscard]] StepHoldings measure_venue() const;
  void rollback() noexcept;
  void commit_into_parent();

  Resolver& r_;
  ResolutionStep* parent_ = nullptr;
  Resolver::StepUndo& u_;  // this step's undo log, from the resolver's pool
  boost::container::small_vector<AccountId, 4> accounts_;  // sorted, unique at the start
  StepHoldings before_;
  bool done_ = false;
  std::size_t records_before_ = 0;
  std::size_t touched_before_ = 0;
  std::size_t auctions_size_before_ = 0;
  std::size_t bad_debt_points_before_ = 0;
};

}  // namespace backstop
