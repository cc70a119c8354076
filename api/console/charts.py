"""Bar charts of daily activity as SVG geometry, drawn on the server: no chart library, no script."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 52, 28, 10  # room for the value axis, the day labels and the top tick


@dataclass(frozen=True)
class Bar:
    """One rectangle: a series' value on a day."""

    x: float
    y: float
    width: float
    height: float
    series: str
    label: str


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis."""

    at: float
    label: str


@dataclass
class Chart:
    """A chart's title, its series (name and CSS class), bars and axes, in a ``WIDTH`` x ``HEIGHT`` box."""

    id: str
    title: str
    series: list[tuple[str, str]]
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    total: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM


def every_day(start: date, end: date) -> list[str]:
    """The ISO days from ``start`` to ``end``, both included."""
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def compact(n: int) -> str:
    """An axis label that fits beside the axis: 9,999, then 12k, 1.5M, 2G."""
    if n < 10_000:
        return f"{n:,}"
    for size, unit in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)  # unreachable: n >= 10,000 is at least a thousand


def _nice(top: int) -> int:
    """A round axis maximum at or above ``top``: 1, 2 or 5 times a power of ten."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= top:
                return m * step
        step *= 10


def stacked(
    chart_id: str, title: str, days: list[str], rows: dict[str, dict[str, Any]], series: list[tuple[str, str, str]]
) -> Chart:
    """Bars per day stacked by series; ``series`` holds (row field, name, CSS class); absent days count zero."""
    chart = Chart(chart_id, title, [(name, css) for _, name, css in series])
    values = [[int(rows.get(d, {}).get(f, 0)) for f, _, _ in series] for d in days]
    top = _nice(max([sum(v) for v in values] + [1]))
    plot_h = chart.baseline - TOP
    slot = (WIDTH - LEFT) / max(len(days), 1)
    gap = min(2.0, slot * 0.2)
    for i, (day, counts) in enumerate(zip(days, values, strict=True)):
        y = float(chart.baseline)
        for (_, name, css), n in zip(series, counts, strict=True):
            if n <= 0:
                continue
            h = n / top * plot_h
            y -= h
            chart.bars.append(Bar(LEFT + i * slot + gap / 2, y, max(slot - gap, 0.5), h, css, f"{day}: {n:,} {name}"))
        chart.total += sum(counts)
    levels = sorted({top * k // 4 for k in range(5)})  # whole numbers only: a top of 2 has three ticks
    chart.y_ticks = [Tick(chart.baseline - plot_h * n / top, compact(n)) for n in levels]
    every = max(1, len(days) // 6)
    chart.x_ticks = [Tick(LEFT + (i + 0.5) * slot, day[5:]) for i, day in enumerate(days) if i % every == 0]
    return chart


def activity_charts(start: date, end: date, rows: list[dict[str, Any]]) -> list[Chart]:
    """The console's three charts: messages by role, active threads, and characters of text, per day."""
    days = every_day(start, end)
    by_day = {
        r["day"]: {
            **r,
            "other_messages": r["messages_created"] - r["user_messages_created"] - r["assistant_messages_created"],
        }
        for r in rows
    }
    return [
        stacked(
            "messages",
            "Messages created, by role",
            days,
            by_day,
            [
                ("user_messages_created", "from users", "s-user"),
                ("assistant_messages_created", "from assistants", "s-assistant"),
                ("other_messages", "other", "s-other"),
            ],
        ),
        stacked("threads", "Active threads", days, by_day, [("active_threads", "active threads", "s-threads")]),
        stacked("text", "Text volume (characters)", days, by_day, [("text_characters", "characters", "s-text")]),
    ]
