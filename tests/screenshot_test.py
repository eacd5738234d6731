#!/usr/bin/env python3
"""Renders an HTML report in headless Chromium and checks that the screenshot is not blank.

Usage:
    screenshot_test.py REPORT.html [--png OUT.png] [--window 1200,2000]
                       [--min-colours 24] [--min-fraction 0.03] [--min-ink 0.01]
                       [--min-rows 0.2] [--expect-colour RRGGBB ...]
    screenshot_test.py --self-test        # PNG decoder round trip, no browser needed

Checks, in order:
  1. the HTML itself: tags balanced (html.parser), self-contained (no <script>, <link>, @import,
     external src/href/url()), no non-finite numbers ("nan", "inf") in SVG geometry attributes;
  2. the browser: `chromium --headless --no-sandbox --disable-gpu --screenshot=OUT.png
     --window-size=W,H file://REPORT` (binary: $CHROMIUM, else chromium, chromium-browser,
     google-chrome); exit 77 (ctest SKIP) when none is installed;
  3. the screenshot, decoded with the standard library only (zlib + PNG unfiltering of all five
     filter types; 8-bit colour types 2 and 6, not interlaced): at least --min-colours distinct
     colours, at least --min-fraction of the pixels differ from the background (the most common
     colour), at least --min-ink of them clearly (text, lines, bars), non-background pixels on
     at least --min-rows of the rows, and each --expect-colour on at least 0.1% of the pixels.

Exit status: 0 pass, 1 fail, 2 usage error, 77 skipped (no browser).
Chromium may print dbus / gpu warnings on stderr; they are ignored.
"""
import argparse
import collections
import html.parser
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- PNG decoding (stdlib only)

class PngError(ValueError):
    pass


def _unfilter(raw, width, height, bpp):
    """Reverses the per-row PNG filters. Returns a list of `height` rows (bytes)."""
    stride = width * bpp
    rows = []
    prior = bytes(stride)
    pos = 0
    for _ in range(height):
        if pos + 1 + stride > len(raw):
            raise PngError("truncated image data")
        ftype = raw[pos]
        line = raw[pos + 1:pos + 1 + stride]
        pos += 1 + stride
        if ftype == 0:  # None
            out = bytes(line)
        elif ftype == 1:  # Sub: running sum per channel
            out = bytearray(stride)
            for c in range(bpp):
                acc = 0
                for i in range(c, stride, bpp):
                    acc = (acc + line[i]) & 0xFF
                    out[i] = acc
            out = bytes(out)
        elif ftype == 2:  # Up
            out = bytes([(a + b) & 0xFF for a, b in zip(line, prior)])
        elif ftype == 3:  # Average
            out = bytearray(stride)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                out[i] = (line[i] + ((left + prior[i]) >> 1)) & 0xFF
            out = bytes(out)
        elif ftype == 4:  # Paeth
            out = bytearray(stride)
            for i in range(stride):
                if i >= bpp:
                    a = out[i - bpp]
                    c = prior[i - bpp]
                else:
                    a = c = 0
                b = prior[i]
                p = a + b - c
                pa = abs(p - a)
                pb = abs(p - b)
                pc = abs(p - c)
                if pa <= pb and pa <= pc:
                    pred = a
                elif pb <= pc:
                    pred = b
                else:
                    pred = c
                out[i] = (line[i] + pred) & 0xFF
            out = bytes(out)
        else:
            raise PngError("bad filter type %d" % ftype)
        rows.append(out)
        prior = out
    return rows


def decode_png(data):
    """Decodes an 8-bit, non-interlaced RGB (2) or RGBA (6) PNG.

    Returns (width, height, channels, rows) with rows a list of bytes, channels 3 or 4.
    """
    if data[:8] != PNG_SIGNATURE:
        raise PngError("not a PNG (bad signature)")
    pos = 8
    ihdr = None
    idat = []
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise PngError("truncated chunk %r" % ctype)
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise PngError("bad CRC in chunk %r" % ctype)
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
    if ihdr is None:
        raise PngError("no IHDR chunk")
    width, height, depth, colour, _comp, _filt, interlace = ihdr
    if depth != 8 or colour not in (2, 6):
        raise PngError("unsupported PNG: bit depth %d, colour type %d" % (depth, colour))
    if interlace != 0:
        raise PngError("interlaced PNG not supported")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    return width, height, channels, _unfilter(raw, width, height, channels)


def encode_png(width, height, channels, rows, filters):
    """Test encoder: applies filter filters[y % len(filters)] to row y (for the self-test)."""
    bpp = channels
    out = bytearray()
    prior = bytes(width * bpp)
    for y, row in enumerate(rows):
        f = filters[y % len(filters)]
        line = bytearray(len(row))
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
            line[i] = (x - pred) & 0xFF
        out.append(f)
        out += line
        prior = row

    def chunk(ctype, body):
        return (struct.pack(">I", len(body)) + ctype + body +
                struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(out))) +
            chunk(b"IEND", b""))


# ---------------------------------------------------------------- image statistics

INK_DISTANCE = 48  # a channel differing from the background by more than this is "ink"


def image_stats(width, height, channels, rows):
    """Returns a dict: colours (distinct RGB colours), background (most common colour, bytes),
    non_background (fraction of pixels of another colour), ink (fraction of pixels differing from
    the background by more than INK_DISTANCE in some channel: text, lines, bars, but not the
    faint card and grid shades), rows (fraction of rows with some non-background pixel) and
    counts (Counter of RGB bytes). Alpha is ignored.
    """
    counts = collections.Counter()
    for row in rows:
        if channels == 3:
            counts.update(row[i:i + 3] for i in range(0, len(row), 3))
        else:
            counts.update(row[i:i + 3] for i in range(0, len(row), 4))
    background, bg_count = counts.most_common(1)[0]
    total = width * height
    bg_pixel = background + (b"\xff" if channels == 4 else b"")
    blank_row = bg_pixel * width
    rows_with_content = 0
    for row in rows:
        if channels == 4:
            if any(row[i:i + 3] != background for i in range(0, len(row), 4)):
                rows_with_content += 1
        elif row != blank_row:
            rows_with_content += 1
    ink = sum(n for colour, n in counts.items()
              if max(abs(a - b) for a, b in zip(colour, background)) > INK_DISTANCE)
    return {"colours": len(counts), "background": background,
            "non_background": (total - bg_count) / total, "ink": ink / total,
            "rows": rows_with_content / height, "counts": counts}


# ---------------------------------------------------------------- HTML checks

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
GEOMETRY = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "d",
            "points", "viewbox", "transform"}
NON_FINITE = re.compile(r"(^|[^a-z])-?(nan|inf|infinity)([^a-z]|$)", re.I)


class StructureChecker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.tags = collections.Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            value = value or ""
            if name in ("src", "href") and not value.startswith("#"):
                self.errors.append("external reference <%s %s=%r>" % (tag, name, value))
            if name in GEOMETRY and NON_FINITE.search(value):
                self.errors.append("non-finite number in <%s %s=%r>" % (tag, name, value))
        if tag in ("script", "link", "iframe", "object", "embed"):
            self.errors.append("<%s> not allowed in a self-contained report" % tag)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1] if self.stack else None
            self.errors.append("line %d: unexpected </%s> (open: %r)" %
                               (self.getpos()[0], tag, top))
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            if "@import" in data or re.search(r"url\(\s*['\"]?(?!#|data:)", data):
                self.errors.append("external resource in <style>")


def check_html(text):
    checker = StructureChecker()
    checker.feed(text)
    checker.close()
    errors = list(checker.errors)
    for tag, pos in checker.stack:
        errors.append("unclosed <%s> from line %d" % (tag, pos[0]))
    if not text.lstrip().lower().startswith("<!doctype html>"):
        errors.append("missing <!DOCTYPE html>")
    return errors, checker.tags


# ---------------------------------------------------------------- browser

def find_browser():
    env = os.environ.get("CHROMIUM")
    if env:
        return shutil.which(env) or (env if os.path.exists(env) else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(browser, html_path, png_path, window, timeout=45):
    with tempfile.TemporaryDirectory(prefix="backstop-shot-") as profile:
        env = dict(os.environ, HOME=profile)
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions",
               "--user-data-dir=" + profile, "--screenshot=" + png_path,
               "--window-size=" + window, "file://" + os.path.abspath(html_path)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, env=env, check=False)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- self-test

def self_test():
    rng = random.Random(7)
    for channels in (3, 4):
        for width, height in ((1, 1), (5, 7), (37, 23)):
            rows = [bytes(rng.randrange(256) for _ in range(width * channels))
                    for _ in range(height)]
            # Smooth rows too, where the predictors actually predict.
            rows[len(rows) // 2] = bytes((i * 3) & 0xFF for i in range(width * channels))
            for filters in ([0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1, 0]):
                png = encode_png(width, height, channels, rows, filters)
                w, h, c, got = decode_png(png)
                assert (w, h, c) == (width, height, channels), (w, h, c)
                assert got == rows, "round trip failed: channels %d filters %r" % (
                    channels, filters)
    # Hand-made 2x1 RGB image, Sub filter: pixel 2 = pixel 1 + (1, 1, 1).
    png = encode_png(2, 1, 3, [bytes([10, 20, 30, 11, 21, 31])], [1])
    raw = zlib.decompress(png[png.index(b"IDAT") + 4:][:-16])  # IDAT body up to the CRC/IEND
    assert raw == bytes([1, 10, 20, 30, 1, 1, 1]), raw
    # Errors are reported, not ignored.
    for bad, what in ((b"GIF89a" + png[6:], "signature"),
                      (png[:30] + bytes([png[30] ^ 1]) + png[31:], "CRC")):
        try:
            decode_png(bad)
        except PngError as e:
            assert what in str(e), e
        else:
            raise AssertionError("decoded a PNG with a bad " + what)
    # Statistics: a blank image has one colour and nothing else; one dot is found.
    blank = [b"\xff\xff\xff" * 10 for _ in range(10)]
    s = image_stats(10, 10, 3, blank)
    assert (s["colours"], s["non_background"], s["ink"], s["rows"]) == (1, 0.0, 0.0, 0.0), s
    dotted = list(blank)
    dotted[3] = b"\xff\xff\xff" * 4 + b"\x00\x00\x00" + b"\xfa\xfa\xfa" * 5
    s = image_stats(10, 10, 3, dotted)  # one black pixel (ink), five faint grey ones (not ink)
    assert (s["colours"], s["non_background"], s["ink"], s["rows"]) == (3, 0.06, 0.01, 0.1), s
    # HTML structure checker.
    assert check_html("<!DOCTYPE html><html><body><p>x</p></body></html>")[0] == []
    assert check_html("<!DOCTYPE html><html><b><i></b></i></html>")[0]
    assert check_html("<!DOCTYPE html><html><script src='http://x'></script></html>")[0]
    assert check_html('<!DOCTYPE html><svg><rect x="nan"/></svg>')[0]
    print("screenshot_test self-test: ok")
    return 0


# ---------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="?", help="the HTML report to check")
    ap.add_argument("--png", help="where to keep the screenshot (default: a temporary file)")
    ap.add_argument("--window", default="1200,2000", help="browser window W,H")
    ap.add_argument("--min-colours", type=int, default=24)
    ap.add_argument("--min-fraction", type=float, default=0.03,
                    help="least fraction of non-background pixels")
    ap.add_argument("--min-ink", type=float, default=0.01,
                    help="least fraction of clearly visible (ink) pixels")
    ap.add_argument("--expect-colour", action="append", default=[], metavar="RRGGBB",
                    help="a colour that must cover at least 0.1%% of the screenshot exactly "
                         "(e.g. a chart fill); repeatable")
    ap.add_argument("--min-rows", type=float, default=0.2,
                    help="least fraction of pixel rows with some non-background pixel")
    ap.add_argument("--self-test", action="store_true", help="test the PNG decoder and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.html:
        ap.print_usage(sys.stderr)
        return 2
    if not os.path.isfile(args.html):
        print("screenshot_test: no such file: %s" % args.html, file=sys.stderr)
        return 1

    with open(args.html, encoding="utf-8") as f:
        text = f.read()
    errors, tags = check_html(text)
    if errors:
        print("screenshot_test: HTML problems in %s:" % args.html)
        for e in errors[:20]:
            print("  " + e)
        return 1
    print("html: %d bytes, %d <svg>, %d <table>, tags balanced, self-contained" %
          (len(text), tags["svg"], tags["table"]))

    browser = find_browser()
    if browser is None:
        print("screenshot_test: SKIPPED: no Chromium found (tried $CHROMIUM, chromium, "
              "chromium-browser, google-chrome); install the Debian package 'chromium'")
        return SKIP

    with tempfile.TemporaryDirectory(prefix="backstop-png-") as tmp:
        png_path = os.path.abspath(args.png) if args.png else os.path.join(tmp, "shot.png")
        if os.path.exists(png_path):
            os.remove(png_path)
        t0 = time.monotonic()
        try:
            rc, log = screenshot(browser, args.html, png_path, args.window)
        except subprocess.TimeoutExpired:
            print("screenshot_test: %s timed out" % browser)
            return 1
        t1 = time.monotonic()
        if not os.path.isfile(png_path):
            print("screenshot_test: %s (exit %d) wrote no screenshot; its output:\n%s" %
                  (browser, rc, log[-4000:]))
            return 1
        with open(png_path, "rb") as f:
            data = f.read()
    try:
        width, height, channels, rows = decode_png(data)
    except (PngError, zlib.error) as e:
        print("screenshot_test: cannot decode the screenshot: %s" % e)
        return 1
    stats = image_stats(width, height, channels, rows)
    colours, fraction, row_fraction = stats["colours"], stats["non_background"], stats["rows"]
    t2 = time.monotonic()
    print("screenshot: %dx%d, %d colours, background #%s, %.1f%% non-background and %.1f%% ink "
          "pixels, content on %.0f%% of rows (browser %.1f s, decode %.1f s)" %
          (width, height, colours, stats["background"].hex(), 100 * fraction,
           100 * stats["ink"], 100 * row_fraction, t1 - t0, t2 - t1))
    failed = []
    if colours < args.min_colours:
        failed.append("only %d distinct colours (< %d)" % (colours, args.min_colours))
    if fraction < args.min_fraction:
        failed.append("only %.2f%% non-background pixels (< %.2f%%)" %
                      (100 * fraction, 100 * args.min_fraction))
    if stats["ink"] < args.min_ink:
        failed.append("only %.2f%% ink pixels (< %.2f%%)" % (100 * stats["ink"],
                                                            100 * args.min_ink))
    for hexcol in args.expect_colour:
        n = stats["counts"][bytes.fromhex(hexcol.lstrip("#"))]
        if n < 0.001 * width * height:
            failed.append("colour #%s on only %d pixels" % (hexcol.lstrip("#"), n))
    if row_fraction < args.min_rows:
        failed.append("content on only %.1f%% of rows (< %.1f%%)" %
                      (100 * row_fraction, 100 * args.min_rows))
    if failed:
        print("screenshot_test: FAILED: " + "; ".join(failed))
        return 1
    print("screenshot_test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
