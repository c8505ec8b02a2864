"""The weekly digest's chart, drawn in memory: a bot on a server has no display to draw on.

Figures are built with matplotlib's object API rather than pyplot, so nothing is kept in
pyplot's global figure registry and concurrent jobs cannot draw on each other's figure.
matplotlib (and numpy under it, about 50 MB resident) is imported on the first drawing, not
when the bot starts: most processes never draw a weekly digest.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LABEL_WIDTH = 28


def _wrapped(label: str) -> str:
    return textwrap.fill(label, LABEL_WIDTH)


def _empty(axes: Axes, text: str) -> None:
    """Says there is nothing to show rather than drawing bare axes with meaningless ticks."""
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)


def weekly_chart(
    *,
    stages: list[tuple[str, int]],
    weeks: list[str],
    themes: dict[str, list[int]],
) -> bytes:
    """PNG bytes: open disputes by stage (left), new disputes per week stacked by theme (right).

    `weeks` are the weeks' labels (the dates they commence); `themes` maps each category
    label to one count per week.
    """
    import matplotlib

    matplotlib.use("Agg")  # before anything can import pyplot and pick a GUI backend
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(13, 5.5), dpi=100, layout="constrained")
    by_stage, by_week = figure.subplots(1, 2, width_ratios=(1, 1.3))

    labels = [_wrapped(label) for label, _ in stages]
    by_stage.barh(labels, [count for _, count in stages], color="#1f5f8b")
    by_stage.invert_yaxis()  # the first stage at the top
    by_stage.set_title("Open disputes by stage")
    by_stage.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not stages:
        _empty(by_stage, "No open disputes")

    bottom = [0] * len(weeks)
    for theme, counts in themes.items():
        by_week.bar(weeks, counts, bottom=bottom, label=_wrapped(theme))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    by_week.set_title(f"New disputes per week by theme (last {len(weeks)} weeks)")
    by_week.set_xlabel("Week commencing")
    by_week.yaxis.set_major_locator(MaxNLocator(integer=True))
    if themes:
        by_week.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small", frameon=False)
    else:
        _empty(by_week, "No new disputes")

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
