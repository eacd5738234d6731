// Runs the fuzz entry points (fuzz/targets.h) on fixed seeds and seeded random inputs, so every
// CI run exercises them; long campaigns use the libFuzzer binaries (preset `fuzz`, see
// docs/testing.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "targets.h"

namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// The .toml files of the given folders (relative to the source tree), sorted.
std::vector<std::string> toml_corpus(std::initializer_list<const char*> dirs) {
  namespace fs = std::filesystem;
  std::vector<std::string> corpus;
  for (const char* dir : dirs) {
    for (const auto& e : fs::directory_iterator(std::string(BACKSTOP_SOURCE_DIR) + dir)) {
      if (e.path().extension() != ".toml") continue;
      std::ifstream in(e.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  std::sort(corpus.begin(), corpus.end());
  return corpus;
}

// One to `max_edits` random byte edits of `text`: flips, truncations, insertions of TOML-ish
// characters.
std::string mutate(std::string text, std::mt19937_64& rng, int max_edits) {
  const int edits = 1 + static_cast<int>(rng() % static_cast<uint64_t>(max_edits));
  for (int k = 0; k < edits && !text.empty(); ++k) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 3) {
      case 0:
        text[at] = static_cast<char>(rng());
        break;
      case 1:
        text.erase(at, 1 + rng() % 16);
        break;
      default:
        text.insert(at, std::string(1 + rng() % 4, "0.9-\"=[]\n"[rng() % 8]));
        break;
    }
  }
  return text;
}

TEST(FuzzSmoke, DecimalSeedsAndRandomInputs) {
  using namespace std::string_literals;
  const std::string seeds[] = {
      "\x09"
      "3000.25"s,
      "\x06-0.000001"s,
      "\x00"
      "1_000"s,
      "\x12"
      "99999999999999999999"s,
      "\x02"
      "1.2.3"s,
      "\x05+."s,
      "\x00"s};
  for (const std::string& s : seeds) {
    const auto b = bytes(s);
    backstop::fuzz::decimal(b.data(), b.size());
  }
  std::mt19937_64 rng(2026);
  const std::string alphabet = "0123456789.-+_e x";
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> b(1 + rng() % 30);
    b[0] = static_cast<uint8_t>(rng());
    for (std::size_t k = 1; k < b.size(); ++k) {
      b[k] = static_cast<uint8_t>(alphabet[rng() % alphabet.size()]);
    }
    backstop::fuzz::decimal(b.data(), b.size());
  }
}

TEST(FuzzSmoke, EngineEventStreams) {
  std::mt19937_64 rng(11);
  std::size_t applied = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> b(64 + rng() % 1024);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    applied += backstop::fuzz::engine_events(b.data(), b.size());
  }
  // the generator must reach accepted events, not only rejections
  EXPECT_GT(applied, 3000u);
}

// Random byte streams through the resolution target: every config byte (policies, guard, profit
// rule, RecapDebt, liquidity, latency, absent liquidator) and random event streams; the target
// aborts on a broken invariant. The generator must reach liquidations, bad debt, waterfall steps
// and ADL fills, not only quiet books.
TEST(FuzzSmoke, ResolutionEventStreams) {
  std::mt19937_64 rng(7);
  backstop::fuzz::ResolutionFuzzStats sum;
  for (int i = 0; i < 256; ++i) {
    std::vector<uint8_t> b(200 + rng() % 1200);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = static_cast<uint8_t>(i);
    const auto st = backstop::fuzz::resolution_events(b.data(), b.size());
    sum.accepted += st.accepted;
    sum.liquidations += st.liquidations;
    sum.bad_debts += st.bad_debts;
    sum.waterfall_steps += st.waterfall_steps;
    sum.adl_fills += st.adl_fills;
  }
  std::printf("resolution fuzz: accepted %zu liquidations %zu bad_debt %zu waterfall %zu adl %zu\n",
              sum.accepted, sum.liquidations, sum.bad_debts, sum.waterfall_steps, sum.adl_fills);
  EXPECT_GT(sum.accepted, 5000u);
  EXPECT_GT(sum.liquidations, 0u);
  EXPECT_GT(sum.bad_debts, 0u);
  EXPECT_GT(sum.waterfall_steps, 0u);
  EXPECT_GT(sum.adl_fills, 0u);
}

// Found by resolution_fuzz (session 5): account 1, unsafe after event 20, is lifted above
// maintenance by its own deposit in event 21, then pushed back below within the same event by the
// open-interest socialisation of account 0's bad debt. The resolver restarts its liquidator-latency
// clock there (it was safe at the start of the event), so leaving it unsafe for 60 s is right; the
// invariant checker used to keep the old clock and abort. Runs the input; aborts on a violation.
TEST(FuzzSmoke, ResolutionRegressionLatencyClockAfterACure) {
  const std::vector<uint8_t> input = {
      0x3c, 0x06, 0x9f, 0x5b, 0x8d, 0x8d, 0x85, 0x72, 0x72, 0x06, 0x9f, 0x5b, 0x8d, 0x8d, 0x8d,
      0x72, 0x72, 0x72, 0x72, 0x72, 0x23, 0x72, 0x1d, 0x7e, 0xe2, 0x29, 0x8d, 0x8d, 0x8d, 0x72,
      0xff, 0x2a, 0xff, 0xff, 0xff, 0x72, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
      0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
      0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x72, 0x72, 0xff, 0xff, 0xff, 0xff,
      0x70, 0x72, 0x72, 0x3c, 0x06, 0x9f, 0x5b, 0x8d, 0x8d, 0x85, 0x72, 0x72, 0x14, 0x14, 0x14,
      0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
      0x14, 0x14, 0x14, 0x14, 0x72, 0x72, 0xff, 0xff, 0xff, 0xff, 0x70, 0x72, 0x72, 0x3c, 0xe2,
      0x06, 0x9f, 0x5b, 0x8d, 0x85, 0x8d, 0x06, 0x8d, 0x72, 0x9f, 0x5b, 0x72, 0x8d, 0x2f, 0x72,
      0x72, 0x72, 0x72, 0x72, 0x23, 0x59, 0x72, 0x1d, 0x7e, 0xe2, 0x29, 0x8d, 0x62, 0x24, 0x05,
      0x40, 0x62, 0xff, 0xff, 0xff, 0xff, 0x05, 0x40, 0x62, 0xff, 0xea};
  const auto st = backstop::fuzz::resolution_events(input.data(), input.size());
  EXPECT_GT(st.liquidations, 0u);
  EXPECT_GT(st.adl_fills, 0u);
}

// Found by resolution_fuzz (session 7): after repeated mark crashes (down to a few raw units) a
// trade sized at ~19x free collateral no longer fits a Quantity, and the event generator itself
// threw (quantity_of: OverflowError), not the engine. The generator now sends a Tick instead.
TEST(FuzzSmoke, ResolutionRegressionOversizedTradeAtACrashedMark) {
  const std::vector<uint8_t> input = {
      0x3c, 0x06, 0x9f, 0x5b, 0x8d, 0x8d, 0x8d, 0x72, 0x72, 0x06, 0x9f, 0x5b, 0x8d, 0x8d, 0x8d,
      0x72, 0x72, 0x72, 0x72, 0x72, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9f, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x06, 0x00, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b, 0x00, 0x00, 0x9b, 0x9b, 0x9b, 0x9b, 0x9b,
      0x9b, 0x9b, 0x9b, 0x9b, 0x70, 0x72, 0x8d, 0x98, 0x8d, 0xea, 0x8d, 0x72, 0x72, 0x72, 0xea,
      0x72, 0x72, 0x72, 0x8d, 0x34, 0x2d, 0x72, 0x72, 0xea, 0x72, 0xea};
  (void)backstop::fuzz::resolution_events(input.data(), input.size());
}

// Every example, and every bad file, through the scenario fuzz entry point; then random byte
// mutations of one example (flips, truncations, insertions), seeded.
TEST(FuzzSmoke, ScenarioTextMutations) {
  const std::vector<std::string> corpus =
      toml_corpus({"/examples", "/examples/presets", "/tests/data/bad"});
  ASSERT_GT(corpus.size(), 20u);
  for (const std::string& text : corpus) {
    const auto b = bytes(text);
    backstop::fuzz::scenario_text(b.data(), b.size());
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 300; ++i) {
    const auto b = bytes(mutate(corpus[rng() % corpus.size()], rng, 4));
    backstop::fuzz::scenario_text(b.data(), b.size());
  }
}

// Every simulation example and test config, and every bad one, through the simulation-config
// fuzz entry point; then seeded random mutations of them.
TEST(FuzzSmoke, SimConfigTextMutations) {
  const std::vector<std::string> corpus =
      toml_corpus({"/examples/simulate", "/tests/data/sim", "/tests/data/sim-bad"});
  ASSERT_GE(corpus.size(), 6u);
  int ran = 0;
  for (const std::string& text : corpus) {
    const auto b = bytes(text);
    ran += backstop::fuzz::sim_config_text(b.data(), b.size()) ? 1 : 0;
  }
  EXPECT_GE(ran, 1) << "no corpus config was small enough to simulate";
  std::mt19937_64 rng(7);
  for (int i = 0; i < 60; ++i) {
    const auto b = bytes(mutate(corpus[rng() % corpus.size()], rng, 3));
    (void)backstop::fuzz::sim_config_text(b.data(), b.size());
  }
}

}  // namespace
