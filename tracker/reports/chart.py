"""Geometry of the daily chart (stacked clicks by source on the left axis,
conversions as a line on their own right axis), drawn as SVG by the page
template: no JavaScript, no internet. Today's bar is partial (the day is
not over) and drawn paler, with a label saying so.

The page draws it twice: wide for a desktop, narrow (fewer labels) for a
phone, so that its text stays legible instead of shrinking with the width.
"""

from __future__ import annotations

SERIES = (("organic", "#2f9e44"), ("sponsored", "#1c7ed6"), ("unknown", "#adb5bd"))
WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_BOTTOM, PAD_TOP = 860, 240, 44, 40, 28, 16
NARROW = 360
CONVERSIONS_COLOR = "#f08c00"


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


def _axis_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def daily_chart(
    daily: list[dict], width: int = WIDTH, height: int = HEIGHT, max_labels: int = 10
) -> dict:
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = height - PAD_TOP - PAD_BOTTOM
    top = nice_max(max((d["organic"] + d["sponsored"] + d["unknown"] for d in daily), default=0))
    conv_top = nice_max(max((d["conversions"] for d in daily), default=0))
    slot = plot_w / max(len(daily), 1)
    bar_w = max(slot * 0.7, 1)
    bars, points, labels = [], [], []
    partial = None
    label_every = max(1, -(-len(daily) // max_labels))
    base = PAD_TOP + plot_h
    for i, day in enumerate(daily):
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        y = base
        is_partial = bool(day.get("partial"))
        for name, color in SERIES:
            h = day[name] / top * plot_h
            if h > 0:
                y -= h
                bars.append(
                    {
                        "x": round(x, 1),
                        "y": round(y, 1),
                        "w": round(bar_w, 1),
                        "h": round(h, 1),
                        "color": color,
                        "partial": is_partial,
                        "title": f"{day['date']}: {day[name]} {name}"
                        + (" (today so far)" if is_partial else ""),
                    }
                )
        cx = PAD_LEFT + i * slot + slot / 2
        cy = base - day["conversions"] / conv_top * plot_h
        points.append(
            {
                "x": round(cx, 1),
                "y": round(cy, 1),
                "title": f"{day['date']}: {day['conversions']} conversions, "
                f"{day['bots']} bot clicks",
            }
        )
        if is_partial:
            partial = {"x": round(PAD_LEFT + i * slot, 1), "w": round(slot, 1), "cx": round(cx, 1)}
        if i % label_every == 0:
            labels.append({"x": round(cx, 1), "text": day["date"][5:]})
    fractions = (0, 0.25, 0.5, 0.75, 1)
    ticks = [{"y": round(base - f * plot_h, 1), "text": _axis_text(top * f)} for f in fractions]
    conv_ticks = [
        {"y": round(base - f * plot_h, 1), "text": _axis_text(conv_top * f)}
        for f in fractions
        if float(conv_top * f).is_integer()
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "labels": labels,
        "ticks": ticks,
        "conv_ticks": conv_ticks,
        "left": PAD_LEFT,
        "right": width - PAD_RIGHT,
        "top": PAD_TOP,
        "base": base,
        "conv_top": conv_top,
        "series": SERIES,
        "partial": partial,
        "conversions_color": CONVERSIONS_COLOR,
    }


def daily_charts(daily: list[dict]) -> dict:
    """The wide chart and the narrow one for phones."""
    return {"wide": daily_chart(daily), "narrow": daily_chart(daily, NARROW, 250, max_labels=4)}
