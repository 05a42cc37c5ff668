"""``ftflow run -m`` and ``ftflow plan -m``: Hydra's grammar expands the points; bad input is one line, exit 2,
before any point runs.  Whole sweeps on the smoke recipe: tests/e2e/test_sweep.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftflow.cli import main
from ftflow.sweep.points import parse_space, swept_values


def test_grid_is_hydras_cartesian_product():
    space = parse_space(["recipe=smoke", "method.learning_rate=1e-3,2e-3", "adapter=lora,full", "+x=range(1,3)"])
    assert space.fixed == ["recipe=smoke"]
    grid = space.grid()
    assert len(grid) == 8 and grid[0] == ["recipe=smoke", "method.learning_rate=0.001", "adapter=lora", "+x=1"]
    assert grid[-1] == ["recipe=smoke", "method.learning_rate=0.002", "adapter=full", "+x=2"]
    assert swept_values(space, grid[1]) == {"method.learning_rate": "0.001", "adapter": "lora", "x": "2"}
    search = parse_space(["recipe=smoke", "method.learning_rate=tag(log,interval(1e-4,1e-2))", "method.max_steps=tag(int,interval(2,8))"])
    lr, steps = search.dimensions
    assert (lr.low, lr.high, lr.log, lr.integer) == (1e-4, 1e-2, True, False)
    assert (steps.low, steps.high, steps.integer) == (2, 8, True)
    assert search.point({"method.learning_rate": 0.001, "method.max_steps": 4}) == [
        "recipe=smoke", "method.learning_rate=0.001", "method.max_steps=4"]


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("args, expected", [
    (["run", "-m", "recipe=smoke"], "no swept key"),
    (["run", "-m", "recipe=smoke", "method.learning_rate=1e-3,"], "override 'method.learning_rate=1e-3,'"),
    (["run", "-m", "recipe=smoke", "method.learning_rate=interval(1e-4,1e-2)"], "interval() is a search range"),
    (["run", "-m", "recipe=smoke", "adapter=lora,nope"], "point recipe=smoke adapter=nope: adapter: unknown"),
    (["run", "-m", "recipe=smoke", "method.nope=1,2"], "unknown config key 'nope'"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "--launcher", "nope"], "unknown sweep_launcher provider 'nope'"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "--launcher", "ray", "--launcher-arg", "adress=x"],
     "adress"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "--jobs", "0"], "--jobs must be positive"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "sweep.launcher=slurm", "sweep.launcher_args={partition: 3}"],
     "launcher slurm.partition: expected str"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "--trials", "2"], "--trials needs --optimize"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "--optimize", "eval.tuned.token_f1", "up"],
     "the direction is max or min"),
    (["run", "-m", "recipe=smoke", "adapter=lora,full", "adapter=qlora,full"], "swept twice"),
    (["run", "recipe=smoke", "--jobs", "2"], "add -m"),
    (["run", "-m", "--print-config", "recipe=smoke", "adapter=lora,full"], "-m runs a sweep"),
    (["plan", "-m", "recipe=smoke", "adapter=lora,nope"], "point recipe=smoke adapter=nope"),
])
def test_bad_sweeps_are_one_line(user, capsys, args, expected):
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and expected in err[0], err
    assert not (user / "home" / "sweeps").exists() or not any((user / "home" / "sweeps").rglob("*.log"))


def _recipe_with(user: Path, name: str, sweep: str) -> str:
    """A user recipe: the smoke recipe plus a ``sweep:`` section (YAML text); returns its recipes dir."""
    from ftflow.config.paths import builtin_recipes_dir

    folder = user / "recipes" / "recipe"
    folder.mkdir(parents=True, exist_ok=True)
    smoke = (builtin_recipes_dir() / "recipe" / "smoke.yaml").read_text()
    (folder / f"{name}.yaml").write_text(smoke + "sweep:\n" + sweep)
    return str(user / "recipes")


@pytest.mark.parametrize("sweep, args, expected", [
    ("  launcher: nope\n", ["recipe=mine", "adapter=lora,full"], "sweep.launcher: unknown sweep_launcher provider"),
    ("  launcher: ray\n  launcher_args: {adress: x}\n", ["recipe=mine", "adapter=lora,full"], "launcher ray.adress"),
    ("  jobs: 0\n", ["recipe=mine", "adapter=lora,full"], "sweep.jobs must be positive"),
    ("  jobs: two\n", ["recipe=mine", "adapter=lora,full"], "sweep.jobs: expected int"),
    ("  launcher: slurm\n", ["recipe=mine,smoke"], "sweep.launcher: the points' recipes disagree ('slurm' and 'local')"),
    ("  jobs: 2\n", ["recipe=mine", "sweep.jobs=1,2"], "sweep.jobs: sweep settings say how the points run"),
])
def test_recipe_sweep_settings_are_checked(user, capsys, sweep, args, expected):
    recipes = _recipe_with(user, "mine", sweep)
    code = main(["run", "-m", *args, "--recipes-dir", recipes])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and expected in err[0], err
    assert not (user / "home" / "sweeps").exists()


def test_command_line_launcher_overrides_the_recipes():
    """--launcher/--launcher-arg win over sweep.launcher/launcher_args; the recipe's options follow its launcher."""
    from ftflow.pipeline import SweepSettings
    from ftflow.plugin.manager import load_plugins
    from ftflow.sweep.batch import SweepOptions, launcher_of

    plugins = load_plugins()
    recipe = SweepSettings("ray", 2, {"address": None, "num_cpus": 1.0})
    launcher, config = launcher_of(plugins, SweepOptions(), recipe)
    assert launcher.name == "ray" and (config.address, config.num_cpus) == (None, 1.0)
    launcher, config = launcher_of(plugins, SweepOptions(launcher_args=["num_cpus=2"]), recipe)
    assert (config.address, config.num_cpus) == (None, 2.0)
    launcher, _ = launcher_of(plugins, SweepOptions(launcher="local"), recipe)  # ray's options are not local's
    assert launcher.name == "local"
