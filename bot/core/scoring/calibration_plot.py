"""The calibration plot: mean credence against the share that resolved yes, per bin, with the diagonal a perfectly
calibrated forecaster would follow. Drawn with matplotlib, from the optional ``plots`` extra; without it there is no
picture and the calibration table stands alone."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from bot.core.scoring.formulas import Bin


def calibration_plot(series: Mapping[str, Sequence[Bin]]) -> bytes | None:
    """A PNG of the calibration of each named series (e.g. "everyone"), or ``None`` when matplotlib is not installed
    or there is nothing to draw."""
    if not any(series.values()):
        return None
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    figure = Figure(figsize=(5, 5), dpi=100)
    axes = figure.add_subplot()
    axes.plot([0, 100], [0, 100], linestyle="--", color="grey", label="perfectly calibrated")
    for name, bins in series.items():
        if bins:
            axes.plot(
                [b.mean_credence for b in bins],
                [100 * b.share_yes for b in bins],
                marker="o",
                label=name,
            )
    axes.set(xlim=(0, 100), ylim=(0, 100), xlabel="credence (%)", ylabel="resolved yes (%)", title="Calibration")
    axes.legend(loc="upper left", fontsize="small")
    picture = io.BytesIO()
    figure.savefig(picture, format="png")
    return picture.getvalue()
