"""The report's pictures as PNG (matplotlib, Agg: no display): volume by hour of day, the
spread of first-response times, and topics against the previous period."""

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in Lambda
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from socialcare.reports.figures import Figures, first_wait

INK, ACCENT, MUTED = "#1f2937", "#2563eb", "#cbd5e1"
BUCKETS = (
    ("<= 15 min", 15 * 60),
    ("15-60 min", 3600),
    ("1-4 h", 4 * 3600),
    ("4-24 h", 24 * 3600),
    ("> 24 h", float("inf")),
)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def _axes(title: str) -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=(6.4, 2.6))
    axes.set_title(title, loc="left", fontsize=11, color=INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8)
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))  # counts: no half conversations
    return figure, axes


def volume_by_hour(figures: Figures) -> bytes:
    figure, axes = _axes("Conversations by hour of day (local time)")
    axes.bar(range(24), figures.by_hour, color=ACCENT)
    axes.set_xticks(range(0, 24, 3))
    axes.set_xlim(-0.6, 23.6)
    return _png(figure)


def response_times(figures: Figures) -> bytes:
    counts = [0] * (len(BUCKETS) + 1)
    for facts in figures.conversations:
        if facts.spam:
            continue
        if not figures.answered(facts):
            counts[-1] += 1
            continue
        seconds = first_wait(facts).total_seconds()
        # Inclusive bounds, as the headline's "within 1 h".
        counts[next(i for i, (_, limit) in enumerate(BUCKETS) if seconds <= limit)] += 1
    labels: Sequence[str] = [label for label, _ in BUCKETS] + ["no answer"]
    figure, axes = _axes("First-response time")
    axes.bar(labels, counts, color=[ACCENT] * len(BUCKETS) + [MUTED])
    return _png(figure)


def topics(figures: Figures, limit: int = 8) -> bytes:
    shown = list(reversed(figures.topics[:limit]))
    figure, axes = _axes("Top topics: this period and the one before")
    positions = range(len(shown))
    axes.barh(
        [p + 0.2 for p in positions], [t.count for t in shown], 0.4, color=ACCENT, label="now"
    )
    axes.barh(
        [p - 0.2 for p in positions], [t.previous for t in shown], 0.4, color=MUTED, label="before"
    )
    axes.set_yticks(list(positions), [t.topic for t in shown])
    axes.legend(fontsize=8, frameon=False)
    return _png(figure)


def all_charts(figures: Figures) -> dict[str, bytes]:
    """Content id -> PNG, as the HTML refers to them (``cid:``)."""
    return {
        "volume": volume_by_hour(figures),
        "response": response_times(figures),
        "topics": topics(figures),
    }
