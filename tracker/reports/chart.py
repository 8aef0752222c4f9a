"""Geometry of the daily chart (stacked clicks by source, conversions on
top), drawn as SVG by the page template: no JavaScript, no internet."""
from __future__ import annotations

SERIES = (("organic", "#2f9e44"), ("sponsored", "#1c7ed6"), ("unknown", "#adb5bd"))
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 860, 240, 44, 28, 12


def nice_max(value: int) -> int:
    """A round axis maximum at or above value (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def daily_chart(daily: list[dict]) -> dict:
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_TOP - PAD_BOTTOM
    top = nice_max(max((d["organic"] + d["sponsored"] + d["unknown"] for d in daily), default=0))
    conv_top = nice_max(max((d["conversions"] for d in daily), default=0))
    slot = plot_w / max(len(daily), 1)
    bar_w = max(slot * 0.7, 1)
    bars, points = [], []
    label_every = max(1, len(daily) // 10)
    labels = []
    for i, day in enumerate(daily):
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        y = PAD_TOP + plot_h
        for name, color in SERIES:
            h = day[name] / top * plot_h
            if h > 0:
                y -= h
                bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1),
                             "h": round(h, 1), "color": color,
                             "title": f"{day['date']}: {day[name]} {name}"})
        cx = PAD_LEFT + i * slot + slot / 2
        cy = PAD_TOP + plot_h - day["conversions"] / conv_top * plot_h
        points.append({"x": round(cx, 1), "y": round(cy, 1),
                       "title": f"{day['date']}: {day['conversions']} conversions, {day['bots']} bot clicks"})
        if i % label_every == 0:
            labels.append({"x": round(cx, 1), "text": day["date"][5:]})
    ticks = [{"y": round(PAD_TOP + plot_h - f * plot_h, 1), "text": int(top * f)}
             for f in (0, 0.25, 0.5, 0.75, 1)]
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "points": points,
            "line": " ".join(f"{p['x']},{p['y']}" for p in points), "labels": labels,
            "ticks": ticks, "left": PAD_LEFT, "right": WIDTH - 8,
            "base": PAD_TOP + plot_h, "conv_top": conv_top, "series": SERIES}
