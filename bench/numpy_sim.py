#!/usr/bin/env python3
"""NumPy baseline for the stress simulator benchmark (`backstop simulate`): a perp-only book of
cross-margin accounts marked along price paths, with full liquidations and an insurance fund.

Usage:
    numpy_sim.py --accounts 100000 --paths 2 --steps 200 [--seed 1] [--markets 10]
    numpy_sim.py --book book.csv --price-paths paths.npy [--mmr 0.05 | --mmr 0.03,0.05,...]
    numpy_sim.py ... --fund 1e6 --out result.json      # JSON also written to a file
    numpy_sim.py ... --write-book b.csv --write-paths p.npy   # save generated inputs
    numpy_sim.py ... --layout markets                  # (N, M) exposures + BLAS matvec per step
    numpy_sim.py --check                               # tiny cases vs a naive pure-Python loop

Needs Python 3 and NumPy only (Debian: python3-numpy; run it with the interpreter that has it,
e.g. /usr/bin/python3). Prints one JSON line:
    {"accounts", "paths", "steps", "markets", "positions", "seconds", "account_steps_per_s",
     "setup_seconds", "fund_start", "layout", "source", "numpy", "results": [{"path", "bad_debt",
     "liquidated_notional", "liquidated", "fund_min"}, ...]}
"seconds" times the simulation loop only (not generation or file loading);
account_steps_per_s = accounts x paths x steps / seconds.

Model (the same as the simulator's benchmark):
  * N accounts, each with a USDC collateral balance and 1-4 perp positions (signed size in base
    units, entry price) in M markets; maintenance margin fraction mmr[m] per market.
  * Price paths: float64 array (P, S+1, M); index 0 is the starting mark (not checked), steps
    t = 1..S are checked.
  * Each step t, for every account still open, at mark = path[p, t]:
        equity      = collateral + sum(size * (mark - entry))
        requirement = sum(|size| * mark * mmr[m])
    An account with requirement > 0 and equity < requirement is liquidated in full at the mark:
    its positions are closed, its realised equity stays with it; if equity < 0 the bad debt
    -equity is charged to the insurance fund (which starts at --fund and may go negative). A
    liquidated account stays closed for the rest of the path. Every path starts from the
    original book and a full fund.
  * Per path: bad_debt (sum), liquidated_notional (sum of |size| x mark over the closed
    positions), liquidated (number of accounts), fund_min (lowest fund balance, including the
    start).

Inputs:
  --book CSV with header `account,collateral,market,size,entry`, one row per position, the
    account's collateral repeated on each row; account is any label (dense order = first
    appearance), market an integer column index into the paths.
  --price-paths .npy float64 array of shape (P, S+1, M).
  Without files, a book and paths are generated (numpy.random.default_rng(seed), PCG64):
    markets   M (default 10): start price 10^U(-2, 4.7) (1 cent .. $50k), annual volatility
              U(0.5, 1.2), mmr[m] = 0.03, 0.04, 0.05 cycling (unless --mmr);
    paths     GBM with zero drift on 5-minute steps (dt = 1 / (365 x 288) years), one common
              factor: z_m = sqrt(0.5) f + sqrt(0.5) e_m with f, e_m ~ N(0, 1); volatility scaled
              by --vol-scale (default 1);
    accounts  1-4 positions (uniform) in distinct markets (uniform); notional |size| x start
              price = 10^U(2, 6) dollars ($100 .. $1M), long or short with probability 1/2;
              entry = start price x exp(N(0, 0.02)); collateral such that the starting equity
              is requirement x (1.02 + Exp(mean 0.5)), i.e. every account starts safe with a
              buffer above maintenance of 2% to a few hundred percent.

Implementation (--layout positions, the default): positions are dense (N, K) arrays (K = the most positions of any account, 4 for
generated books) with a market index and zero-size padding; every step is vectorised over the
accounts; steps and paths are Python loops. Closed accounts are dropped from the working arrays
when a quarter of them are closed. --layout markets folds the positions into (N, M) per-market
net size, |size| x mmr and |size| matrices once per path (equity and requirement are linear in
the marks), so that a step is two BLAS matrix-vector products; same results up to rounding.
"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time

import numpy as np

STEPS_PER_YEAR = 365 * 288  # 5-minute steps


# ---------------------------------------------------------------- inputs

class Book:
    """Dense book: collateral (N,), market (N,K) int64, size (N,K), entry (N,K); pad size = 0."""

    def __init__(self, collateral, market, size, entry, labels=None):
        self.collateral = np.ascontiguousarray(collateral, dtype=np.float64)
        self.market = np.ascontiguousarray(market, dtype=np.int64)
        self.size = np.ascontiguousarray(size, dtype=np.float64)
        self.entry = np.ascontiguousarray(entry, dtype=np.float64)
        self.labels = labels if labels is not None else [str(i) for i in range(len(collateral))]

    @property
    def accounts(self):
        return self.collateral.shape[0]

    @property
    def positions(self):
        return int(np.count_nonzero(self.size))


def read_book(path):
    rows = {}
    order = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"account", "collateral", "market", "size", "entry"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise SystemExit("book %s: header must be %s" % (path, ",".join(sorted(need))))
        for line, r in enumerate(reader, start=2):
            acc = r["account"]
            coll = float(r["collateral"])
            if acc not in rows:
                rows[acc] = (coll, [])
                order.append(acc)
            elif rows[acc][0] != coll:
                raise SystemExit("book %s line %d: collateral of %s differs from its first row"
                                 % (path, line, acc))
            rows[acc][1].append((int(r["market"]), float(r["size"]), float(r["entry"])))
    n = len(order)
    k = max([1] + [len(rows[a][1]) for a in order])
    collateral = np.zeros(n)
    market = np.zeros((n, k), dtype=np.int64)
    size = np.zeros((n, k))
    entry = np.zeros((n, k))
    for i, a in enumerate(order):
        collateral[i] = rows[a][0]
        for j, (m, s, e) in enumerate(rows[a][1]):
            market[i, j], size[i, j], entry[i, j] = m, s, e
    return Book(collateral, market, size, entry, order)


def write_book(book, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account", "collateral", "market", "size", "entry"])
        for i in range(book.accounts):
            for j in range(book.size.shape[1]):
                if book.size[i, j] != 0:
                    w.writerow([book.labels[i], repr(float(book.collateral[i])),
                                int(book.market[i, j]), repr(float(book.size[i, j])),
                                repr(float(book.entry[i, j]))])


def default_mmr(markets):
    return np.array([0.03 + 0.01 * (m % 3) for m in range(markets)])


def parse_mmr(text, markets):
    if text is None:
        return default_mmr(markets)
    vals = [float(v) for v in text.split(",")]
    if len(vals) == 1:
        vals = vals * markets
    if len(vals) != markets:
        raise SystemExit("--mmr: %d values for %d markets" % (len(vals), markets))
    return np.array(vals)


def generate(accounts, paths, steps, markets, seed, mmr, vol_scale=1.0):
    """Generated book and GBM paths (see the module docstring for the distributions)."""
    rng = np.random.default_rng(seed)
    p0 = 10.0 ** rng.uniform(-2, 4.7, markets)
    sigma = rng.uniform(0.5, 1.2, markets) * vol_scale
    dt = 1.0 / STEPS_PER_YEAR
    f = rng.standard_normal((paths, steps, 1))
    e = rng.standard_normal((paths, steps, markets))
    z = math.sqrt(0.5) * f + math.sqrt(0.5) * e
    log_ret = -0.5 * sigma ** 2 * dt + sigma * math.sqrt(dt) * z
    log_p = np.concatenate([np.zeros((paths, 1, markets)), np.cumsum(log_ret, axis=1)], axis=1)
    price_paths = p0 * np.exp(log_p)

    k = 4
    npos = rng.integers(1, k + 1, accounts)
    # Distinct markets per account: the first npos entries of a random permutation.
    market = np.argsort(rng.random((accounts, markets)), axis=1)[:, :k].astype(np.int64)
    if markets < k:
        market = np.concatenate([market, np.zeros((accounts, k - markets), np.int64)], axis=1)
        npos = np.minimum(npos, markets)
    used = np.arange(k)[None, :] < npos[:, None]
    notional = 10.0 ** rng.uniform(2, 6, (accounts, k))
    sign = np.where(rng.random((accounts, k)) < 0.5, -1.0, 1.0)
    mark0 = p0[market]
    size = np.where(used, sign * notional / mark0, 0.0)
    entry = np.where(used, mark0 * np.exp(rng.normal(0, 0.02, (accounts, k))), 0.0)
    req0 = (np.abs(size) * mark0 * mmr[market]).sum(axis=1)
    pnl0 = (size * (mark0 - entry)).sum(axis=1)
    target = req0 * (1.02 + rng.exponential(0.5, accounts))
    collateral = target - pnl0
    return Book(collateral, market, size, entry), price_paths


# ---------------------------------------------------------------- simulation

def simulate_path(book, path, mmr, fund_start):
    """One path, vectorised over accounts. path: (S+1, M). Returns the per-path result dict."""
    coll = book.collateral
    mkt = book.market
    size = book.size
    entry = book.entry
    weight = np.abs(size) * mmr[mkt]  # |size| x mmr, per position
    abs_size = np.abs(size)
    open_ = np.ones(coll.shape[0], dtype=bool)
    n_open = coll.shape[0]
    fund = fund_start
    fund_min = fund_start
    bad_debt = 0.0
    notional = 0.0
    liquidated = 0
    for t in range(1, path.shape[0]):
        pm = path[t][mkt]  # (n, K) mark per position
        equity = coll + (size * (pm - entry)).sum(axis=1)
        req = (weight * pm).sum(axis=1)
        liq = open_ & (equity < req) & (req > 0)
        count = int(np.count_nonzero(liq))
        if count == 0:
            continue
        eq_l = equity[liq]
        debt = float(-eq_l[eq_l < 0].sum())
        bad_debt += debt
        notional += float((abs_size[liq] * pm[liq]).sum())
        liquidated += count
        fund -= debt
        fund_min = min(fund_min, fund)
        open_[liq] = False
        n_open -= count
        if n_open < 0.75 * open_.shape[0]:  # compact: drop the closed accounts
            keep = open_
            coll, mkt, size, entry = coll[keep], mkt[keep], size[keep], entry[keep]
            weight, abs_size = weight[keep], abs_size[keep]
            open_ = np.ones(coll.shape[0], dtype=bool)
            n_open = coll.shape[0]
    return {"bad_debt": bad_debt, "liquidated_notional": notional, "liquidated": liquidated,
            "fund_min": fund_min}


def simulate_path_matvec(book, path, mmr, fund_start):
    """The same path with per-market exposures: equity and requirement are linear in the marks,
    so with (N, M) matrices of net size, |size| x mmr and |size| per market they are two
    matrix-vector products per step (BLAS) instead of a gather over (N, K) positions."""
    n, k = book.size.shape
    m = path.shape[1]
    rows = np.arange(n)
    net = np.zeros((n, m))
    weight = np.zeros((n, m))
    gross = np.zeros((n, m))
    for j in range(k):  # one position per account and column: no repeated (row, market) pairs
        np.add.at(net, (rows, book.market[:, j]), book.size[:, j])
        np.add.at(weight, (rows, book.market[:, j]),
                  np.abs(book.size[:, j]) * mmr[book.market[:, j]])
        np.add.at(gross, (rows, book.market[:, j]), np.abs(book.size[:, j]))
    base = book.collateral - (book.size * book.entry).sum(axis=1)
    open_ = np.ones(n, dtype=bool)
    n_open = n
    fund = fund_min = fund_start
    bad_debt = notional = 0.0
    liquidated = 0
    for t in range(1, path.shape[0]):
        mark = path[t]
        equity = base + net @ mark
        req = weight @ mark
        liq = open_ & (equity < req) & (req > 0)
        count = int(np.count_nonzero(liq))
        if count == 0:
            continue
        eq_l = equity[liq]
        debt = float(-eq_l[eq_l < 0].sum())
        bad_debt += debt
        notional += float((gross[liq] @ mark).sum())
        liquidated += count
        fund -= debt
        fund_min = min(fund_min, fund)
        open_[liq] = False
        n_open -= count
        if n_open < 0.75 * open_.shape[0]:
            keep = open_
            base, net, weight, gross = base[keep], net[keep], weight[keep], gross[keep]
            open_ = np.ones(base.shape[0], dtype=bool)
            n_open = base.shape[0]
    return {"bad_debt": bad_debt, "liquidated_notional": notional, "liquidated": liquidated,
            "fund_min": fund_min}


LAYOUTS = {"positions": simulate_path, "markets": simulate_path_matvec}


def simulate(book, price_paths, mmr, fund_start, layout="positions"):
    step = LAYOUTS[layout]
    results = []
    for p in range(price_paths.shape[0]):
        r = step(book, price_paths[p], mmr, fund_start)
        results.append(dict(path=p, **r))
    return results


def simulate_naive(book, price_paths, mmr, fund_start):
    """Reference: plain Python loops over paths, steps, accounts and positions."""
    results = []
    n, k = book.size.shape
    accounts = []
    for i in range(n):
        pos = [(int(book.market[i, j]), float(book.size[i, j]), float(book.entry[i, j]))
               for j in range(k) if book.size[i, j] != 0]
        accounts.append((float(book.collateral[i]), pos))
    for p in range(price_paths.shape[0]):
        closed = [False] * n
        fund = fund_min = fund_start
        bad = notional = 0.0
        count = 0
        for t in range(1, price_paths.shape[1]):
            mark = [float(v) for v in price_paths[p, t]]
            for i, (coll, pos) in enumerate(accounts):
                if closed[i]:
                    continue
                equity = coll
                req = 0.0
                for m, s, e in pos:
                    equity += s * (mark[m] - e)
                    req += abs(s) * mark[m] * mmr[m]
                if req > 0 and equity < req:
                    closed[i] = True
                    count += 1
                    notional += sum(abs(s) * mark[m] for m, s, _ in pos)
                    if equity < 0:
                        bad += -equity
                        fund += equity
                        fund_min = min(fund_min, fund)
        results.append({"path": p, "bad_debt": bad, "liquidated_notional": notional,
                        "liquidated": count, "fund_min": fund_min})
    return results


# ---------------------------------------------------------------- check mode

def assert_same(a, b, what):
    assert len(a) == len(b), what
    for ra, rb in zip(a, b):
        assert ra["path"] == rb["path"] and ra["liquidated"] == rb["liquidated"], (what, ra, rb)
        for key in ("bad_debt", "liquidated_notional", "fund_min"):
            x, y = ra[key], rb[key]
            assert abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y)), (what, key, ra, rb)


def check():
    # Hand case: mmr 5%, fund 10, one market, marks 10 (start, not checked), 9, 14.
    #   A: collateral 10, long 10 @ 10. t=1: equity 10 + 10 (9 - 10) = 0 < 10 x 9 x 0.05 = 4.5
    #      -> liquidated, no bad debt, notional 90.
    #   B: collateral 5, short 2 @ 10. t=1: equity 5 + 2 = 7 >= 0.9. t=2: equity 5 - 2 x 4 = -3
    #      < 1.4 -> liquidated, bad debt 3, notional 28; fund 10 - 3 = 7.
    #   C: collateral -1, no position: requirement 0, never liquidated.
    book = Book([10.0, 5.0, -1.0], [[0], [0], [0]], [[10.0], [-2.0], [0.0]],
                [[10.0], [10.0], [0.0]])
    paths = np.array([[[10.0], [9.0], [14.0]]])
    mmr = np.array([0.05])
    want = [{"path": 0, "bad_debt": 3.0, "liquidated_notional": 118.0, "liquidated": 2,
             "fund_min": 7.0}]
    for layout in LAYOUTS:
        assert_same(simulate(book, paths, mmr, 10.0, layout), want, "hand case " + layout)
    assert_same(simulate_naive(book, paths, mmr, 10.0), want, "hand case (naive)")

    # Generated cases, volatile enough for bad debt, vs the naive loop; also through files.
    total_bad = 0.0
    for seed, markets in ((1, 3), (2, 10), (3, 1)):
        mmr = default_mmr(markets)
        book, paths = generate(300, 3, 60, markets, seed, mmr, vol_scale=25.0)
        fast = simulate(book, paths, mmr, 5e4)
        slow = simulate_naive(book, paths, mmr, 5e4)
        assert_same(fast, slow, "generated seed %d" % seed)
        assert_same(simulate(book, paths, mmr, 5e4, "markets"), slow, "markets seed %d" % seed)
        total_bad += sum(r["bad_debt"] for r in fast)
        assert all(r["liquidated"] > 0 for r in fast), fast
        with tempfile.TemporaryDirectory() as tmp:
            write_book(book, os.path.join(tmp, "b.csv"))
            np.save(os.path.join(tmp, "p.npy"), paths)
            book2 = read_book(os.path.join(tmp, "b.csv"))
            paths2 = np.load(os.path.join(tmp, "p.npy"))
        assert_same(simulate(book2, paths2, mmr, 5e4), fast, "file round trip seed %d" % seed)
    assert total_bad > 0, "the check cases should produce some bad debt"
    # Compaction path: a crash that closes most accounts early must not change results.
    mmr = default_mmr(4)
    book, paths = generate(400, 2, 30, 4, 9, mmr, vol_scale=1.0)
    paths[:, 2:, :] *= 0.5  # every market halves at t = 2
    slow = simulate_naive(book, paths, mmr, 1e5)
    for layout in LAYOUTS:
        assert_same(simulate(book, paths, mmr, 1e5, layout), slow, "crash, compaction " + layout)
    print("numpy_sim check: ok (hand case, 3 generated books vs naive, file round trip, crash; "
          "both layouts)")
    return 0


# ---------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(description="NumPy baseline of the stress simulator benchmark")
    ap.add_argument("--book", help="CSV account,collateral,market,size,entry")
    ap.add_argument("--price-paths", help=".npy float64 (P, S+1, M)")
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--paths", type=int, default=2)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--markets", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vol-scale", type=float, default=1.0)
    ap.add_argument("--mmr", help="maintenance fraction: one value or one per market")
    ap.add_argument("--fund", type=float, default=1e6, help="insurance fund start (USD)")
    ap.add_argument("--out", help="also write the JSON to this file")
    ap.add_argument("--write-book", help="save the (generated) book as CSV")
    ap.add_argument("--write-paths", help="save the (generated) paths as .npy")
    ap.add_argument("--layout", choices=sorted(LAYOUTS), default="positions",
                    help="positions: (N, K) gather per step (default); markets: (N, M) "
                         "exposure matrices, two matrix-vector products per step")
    ap.add_argument("--check", action="store_true", help="run the self-check and exit")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    t0 = time.perf_counter()
    if (args.book is None) != (args.price_paths is None):
        raise SystemExit("give both --book and --price-paths, or neither")
    if args.book:
        paths = np.load(args.price_paths)
        if paths.ndim != 3 or paths.dtype != np.float64:
            raise SystemExit("--price-paths: need float64 (P, S+1, M), got %s %s"
                             % (paths.dtype, paths.shape))
        mmr = parse_mmr(args.mmr, paths.shape[2])
        book = read_book(args.book)
        if book.accounts and (book.market.min() < 0 or book.market.max() >= paths.shape[2]):
            raise SystemExit("book: market index outside 0..%d" % (paths.shape[2] - 1))
        source = {"book": args.book, "price_paths": args.price_paths}
    else:
        mmr = parse_mmr(args.mmr, args.markets)
        book, paths = generate(args.accounts, args.paths, args.steps, args.markets, args.seed,
                               mmr, args.vol_scale)
        source = {"generated": True, "seed": args.seed, "vol_scale": args.vol_scale}
    if args.write_book:
        write_book(book, args.write_book)
    if args.write_paths:
        np.save(args.write_paths, paths)
    t1 = time.perf_counter()
    results = simulate(book, paths, mmr, args.fund, args.layout)
    t2 = time.perf_counter()
    p, s1, m = paths.shape
    steps = s1 - 1
    seconds = t2 - t1
    out = {"accounts": book.accounts, "paths": p, "steps": steps, "markets": m,
           "positions": book.positions, "seconds": round(seconds, 6),
           "account_steps_per_s": round(book.accounts * p * steps / seconds) if seconds > 0
           else None,
           "setup_seconds": round(t1 - t0, 6), "fund_start": args.fund, "layout": args.layout,
           "source": source,
           "numpy": np.__version__, "results": results}
    line = json.dumps(out)
    print(line)
    if args.out:
        with open(args.out, "w") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
