"""Scores on resolved cruxes: the formulas, pure functions over plain data (``formulas``); writing and reading the
scores and calibration tables (``scores``); the calibration plot, from the optional ``plots`` extra
(``calibration_plot``).

Writes ``crux_score``.
May import the core's base, ``schema`` and ``debates``; ``matplotlib`` only in ``calibration_plot``."""
