"""An Optuna search over a sweep's dimensions (``--optimize METRIC max|min --trials N``).

Optuna's ask-and-tell interface drives the same launchers as a grid: each batch asks ``--jobs`` trials,
runs them as points, and tells Optuna each point's metric (a failed point or a missing metric is a failed
trial).  Lists and ``range()`` become categorical choices, ``interval(lo,hi)`` a float (or int) range,
``tag(log,interval(...))`` a log-scaled one and ``tag(int,interval(...))`` an integer one — the mapping of Hydra's Optuna sweeper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftflow.errors import UserError
from ftflow.runs import _number

if TYPE_CHECKING:
    from ftflow.sweep.batch import Sweep
    from ftflow.sweep.points import Dimension, SweepSpace


def _suggest(trial: Any, dimension: Dimension) -> Any:
    if dimension.discrete:
        return trial.suggest_categorical(dimension.key, list(dimension.choices))
    if dimension.integer:
        return trial.suggest_int(dimension.key, int(dimension.low), int(dimension.high))
    return trial.suggest_float(dimension.key, float(dimension.low), float(dimension.high), log=dimension.log)


def probe(space: SweepSpace) -> list[str]:
    """One point of the search space (each dimension's first choice or lower bound), checked before the search."""
    return space.point({d.key: (d.choices[0] if d.discrete else d.low) for d in space.dimensions})


def optimize(sweep: Sweep, metric: str, direction: str, trials: int) -> int:
    """Run ``trials`` points chosen by Optuna's TPE sampler (seeded: the same search twice asks the same points)."""
    try:
        import optuna
    except ImportError:
        raise UserError("--optimize with --trials needs Optuna: pip install 'ftflow[sweep]'") from None

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = sweep.space
    study = optuna.create_study(direction="maximize" if direction == "max" else "minimize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    print(f"search {sweep.id}: {trials} trials of {metric} ({direction}) through the {sweep.options.launcher} "
          f"launcher; folder {sweep.folder}", flush=True)
    done = 0
    while done < trials:
        batch = [study.ask() for _ in range(min(sweep.options.jobs, trials - done))]
        points = [space.point({d.key: _suggest(t, d) for d in space.dimensions}) for t in batch]
        rows = sweep.run(points)
        for trial, row in zip(batch, rows, strict=True):
            value = row.values.get(metric)
            if row.status == "ok" and _number(value):
                study.tell(trial, value)
            else:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
        done += len(batch)
    if not any(metric in r.values for r in sweep.rows if r.status == "ok"):
        known = sorted({k for r in sweep.rows for k in r.values})
        print(f"no point recorded {metric}; recorded: {', '.join(known) or 'nothing'}", flush=True)
    return sweep.finish(metric, direction, {"command": space.fixed + [d.key for d in space.dimensions],
                                            "kind": "optuna", "trials": trials})
