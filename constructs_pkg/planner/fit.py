"""Least squares over relative errors, standard library only: the published fit, its leave-one-out check, and the
optimizer ``calibrate`` reuses.

Constants are fitted in log space (they are positive rates and times) with Nelder-Mead: the timeline has kinks
(``max``, ``min``), so a derivative-free method is the simple, robust choice for five numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..bandwidth import BANDWIDTH
from .constants import FITTED, FITTED_NAMES, GB, Constants
from .published import IMAGE_PULL, MODEL_DOWNLOAD, ROWS, PublishedRow
from .timeline import timeline


def predict_row(constants: Constants, row: PublishedRow) -> float:
    """What ``constants`` predict for a published row (onto a new instance, S3 artifacts, as the blog measured)."""
    t = timeline(constants, link_bytes_per_second=BANDWIDTH[row.instance_type].baseline_bytes_per_second,
                 image_bytes=round(row.image_gb * GB), model_bytes=round(row.model_gb * GB), cache=row.cache)  # fmt: skip
    if row.measures == IMAGE_PULL:
        return t.pull
    if row.measures == MODEL_DOWNLOAD:
        return t.download
    return t.end


def fit_published(rows: Sequence[PublishedRow] = ROWS, *, start: Constants = FITTED) -> Constants:
    """The fitted constants (``FITTED_NAMES``) that minimise the squared relative error over ``rows``."""

    def loss(values: dict[str, float]) -> float:
        constants = start.with_values(values)
        return sum(((predict_row(constants, row) - row.seconds) / row.seconds) ** 2 for row in rows)

    return start.with_values(minimise(loss, {name: getattr(start, name) for name in FITTED_NAMES}))


def leave_one_out(rows: Sequence[PublishedRow] = ROWS, *, start: Constants = FITTED) -> tuple[float, ...]:
    """For each row, the signed relative error of the prediction made by constants fitted to the other rows."""
    errors = []
    for index, row in enumerate(rows):
        constants = fit_published([r for i, r in enumerate(rows) if i != index], start=start)
        errors.append((predict_row(constants, row) - row.seconds) / row.seconds)
    return tuple(errors)


def minimise(loss: Callable[[dict[str, float]], float], start: dict[str, float], *, iterations: int = 4000,
             tolerance: float = 1e-12) -> dict[str, float]:  # fmt: skip
    """Nelder-Mead over the logarithms of the positive values in ``start``; returns the best values found."""
    names = list(start)
    if not names:
        return {}

    def f(point: list[float]) -> float:
        return loss({name: math.exp(x) for name, x in zip(names, point)})

    origin = [math.log(start[name]) for name in names]
    simplex = [origin] + [[x + (0.2 if i == j else 0.0) for j, x in enumerate(origin)] for i in range(len(names))]
    scores = [f(p) for p in simplex]
    for _ in range(iterations):
        order = sorted(range(len(simplex)), key=scores.__getitem__)
        simplex, scores = [simplex[i] for i in order], [scores[i] for i in order]
        if scores[-1] - scores[0] <= tolerance * (abs(scores[0]) + tolerance):
            break
        centre = [sum(p[j] for p in simplex[:-1]) / len(names) for j in range(len(names))]
        worst = simplex[-1]

        def towards(t: float, worst: list[float] = worst, centre: list[float] = centre) -> list[float]:
            return [c + t * (c - w) for c, w in zip(centre, worst)]

        reflected = towards(1.0)
        r = f(reflected)
        if r < scores[0]:
            expanded = towards(2.0)
            e = f(expanded)
            simplex[-1], scores[-1] = (expanded, e) if e < r else (reflected, r)
        elif r < scores[-2]:
            simplex[-1], scores[-1] = reflected, r
        else:
            contracted = towards(0.5) if r < scores[-1] else towards(-0.5)
            c = f(contracted)
            if c < min(r, scores[-1]):
                simplex[-1], scores[-1] = contracted, c
            else:  # shrink towards the best point
                best = simplex[0]
                simplex = [best] + [[b + 0.5 * (x - b) for b, x in zip(best, p)] for p in simplex[1:]]
                scores = [scores[0]] + [f(p) for p in simplex[1:]]
    winner = min(range(len(simplex)), key=scores.__getitem__)
    return {name: math.exp(x) for name, x in zip(names, simplex[winner])}
