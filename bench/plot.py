#!/usr/bin/env python3
"""plot.py - one line chart as a standalone SVG, for bench/run's curves.

    plot.py OUT.svg TITLE XLABEL YLABEL [--logx] [--logy] < DATA

DATA is one point a line, "SERIES X Y" (Y "n/a" leaves the point out);
each series is drawn in the order it first appears, with its name in the
legend. No library beyond Python's own: the chart is plain SVG text.
"""
import math
import sys
from xml.sax.saxutils import escape

W, H = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 170, 40, 50
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def ticks(lo, hi, log):
    """Round values to label an axis from lo to hi."""
    if log:
        out, e = [], math.floor(math.log10(lo))
        while 10 ** e <= hi * 1.0001:
            if 10 ** e >= lo / 1.0001:
                out.append(10 ** e)
            e += 1
        return out or [lo, hi]
    step = 10 ** math.floor(math.log10((hi - lo) or 1))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= 6:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def label(v):
    if v >= 1e6 and v % 1e5 == 0:
        return "%gM" % (v / 1e6)
    if v >= 1e3 and v % 100 == 0:
        return "%gk" % (v / 1e3)
    return "%g" % v


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: plot.py OUT.svg TITLE XLABEL YLABEL [--logx] [--logy]")
    out, title, xlabel, ylabel = sys.argv[1:5]
    logx, logy = "--logx" in sys.argv[5:], "--logy" in sys.argv[5:]
    series = {}
    for line in sys.stdin:
        f = line.split()
        if len(f) != 3:
            continue
        try:
            x, y = float(f[1]), float(f[2])
        except ValueError:
            continue
        if (logx and x <= 0) or (logy and y <= 0):
            continue
        series.setdefault(f[0], []).append((x, y))
    pts = [p for s in series.values() for p in s]
    if not pts:
        sys.exit("plot.py: no points for " + out)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(ys), max(ys)) if logy else (0.0, max(ys))
    if x1 == x0:
        x1 = x0 * 10 if logx else x0 + 1
    if y1 == y0:
        y1 = y0 * 10 if logy else y0 + 1
    if not logy:
        y1 *= 1.1

    def sx(x):
        t = ((math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0))
             if logx else (x - x0) / (x1 - x0))
        return LEFT + t * (W - LEFT - RIGHT)

    def sy(y):
        t = ((math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
             if logy else (y - y0) / (y1 - y0))
        return H - BOTTOM - t * (H - TOP - BOTTOM)

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="15">%s</text>' % (LEFT, escape(title))]
    for v in ticks(x0, x1, logx):
        x = sx(v)
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                 % (x, TOP, x, H - BOTTOM))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                 % (x, H - BOTTOM + 16, label(v)))
    for v in ticks(y0, y1, logy):
        y = sy(v)
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                 % (LEFT, y, W - RIGHT, y))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                 % (LEFT - 6, y + 4, label(v)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
             'stroke="black"/>' % (LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM))
    o.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
             % ((LEFT + W - RIGHT) / 2, H - 12, escape(xlabel)))
    o.append('<text transform="translate(16,%d) rotate(-90)" '
             'text-anchor="middle">%s</text>' % ((TOP + H - BOTTOM) / 2,
                                                  escape(ylabel)))
    for i, (name, p) in enumerate(series.items()):
        c = COLOURS[i % len(COLOURS)]
        p.sort()
        o.append('<polyline fill="none" stroke="%s" stroke-width="2" '
                 'points="%s"/>' % (c, " ".join("%.1f,%.1f" % (sx(x), sy(y))
                                               for x, y in p)))
        for x, y in p:
            o.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s">'
                     '<title>%s: %g, %g</title></circle>'
                     % (sx(x), sy(y), c, escape(name), x, y))
        ly = TOP + 10 + 18 * i
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                 'stroke-width="2"/>' % (W - RIGHT + 12, ly, W - RIGHT + 32, ly, c))
        o.append('<text x="%d" y="%d">%s</text>' % (W - RIGHT + 36, ly + 4,
                                                    escape(name)))
    o.append('</svg>')
    with open(out, "w") as f:
        f.write("\n".join(o) + "\n")


main()
