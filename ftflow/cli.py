"""The ``ftflow`` command line: parse, dispatch lazily, map errors to exit codes.

Exit codes: 0 ok, 1 a stage failed, 2 bad input, 130 Ctrl-C, 143 SIGTERM (handled like Ctrl-C).  Errors are
one line; ``--debug`` shows tracebacks.  Outside a stage, an unexpected OSError, ValueError (JSON, Unicode),
RecursionError, csv, YAML, tar, lookup or type error comes from something the user handed in: exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys

#: The engine's own commands; any other command word loads the plugins, whose commands it may name.
COMMANDS = ("run", "bundle", "lock", "plan", "recipes", "plugins", "show", "runs", "compare", "cache", "serve",
            "export", "models", "plugin")


def _parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    # --debug works before or after the command; SUPPRESS keeps a subcommand from resetting it to False.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="keep third-party libraries' warnings, logs and progress bars")
    recipe_args = argparse.ArgumentParser(add_help=False)
    recipe_args.add_argument("overrides", nargs="*", metavar="recipe=NAME|group=option|key=value")
    recipe_args.add_argument("--recipes-dir", action="append", default=[], metavar="DIR",
                             help="extra recipe directory (also FTFLOW_RECIPES_PATH)")

    parser = argparse.ArgumentParser(prog="ftflow", description="Declarative, cached LLM fine-tuning pipelines.")
    parser.add_argument("--debug", action="store_true", default=False, help="show tracebacks")
    parser.add_argument("--verbose", action="store_true", default=False,
                        help="keep third-party libraries' warnings, logs and progress bars")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", parents=[common, recipe_args], help="compose, plan and execute a recipe")
    run.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    run.add_argument("--locked", metavar="FILE", help="replay a lock file (refuses when inputs or versions drifted)")
    run.add_argument("--allow-drift", action="store_true", help="with --locked or --bundle: run despite differences")
    run.add_argument("--bundle", metavar="FILE", help="run the recipe of a bundle made by `ftflow bundle`")
    run.add_argument("--allow", action="append", default=[], metavar="network,exec,package,hub,files",
                     help="with --bundle or --locked: accept values that name these (refused by default)")
    run.add_argument("--track", action="append", default=[], metavar="mlflow|trackio|...",
                     help="log the run to this tracker (also $FTFLOW_TRACK or the workspace config.yaml)")
    sweep = run.add_argument_group("sweeps (-m)")
    sweep.add_argument("-m", "--multirun", action="store_true",
                       help="sweep: key=a,b group=x,y key=range(...) in Hydra's grammar; one run per point")
    sweep.add_argument("--launcher", default=None,
                       help="where points run: local, ray, slurm (default: the recipe's sweep.launcher, local)")
    sweep.add_argument("--jobs", type=int, default=None,
                       help="points at once (default: the recipe's sweep.jobs, 1: in turn)")
    sweep.add_argument("--launcher-arg", action="append", default=[], metavar="KEY=VALUE",
                       help="a launcher option, e.g. address=auto (ray), partition=gpu (slurm)")
    sweep.add_argument("--optimize", nargs=2, metavar=("METRIC", "max|min"),
                       help="rank points by METRIC (e.g. eval.tuned.token_f1); with --trials, an Optuna search")
    sweep.add_argument("--trials", type=int, default=None, help="with --optimize: Optuna trials to run")
    bundle = sub.add_parser("bundle", parents=[common, recipe_args],
                            help="pack a recipe, its data, lock and plugin list into one .tar.gz")
    bundle.add_argument("-o", "--output", required=True, metavar="FILE.tar.gz")
    bundle.add_argument("--no-data", action="store_true", help="record data digests only, do not copy the files")
    lock = sub.add_parser("lock", parents=[common, recipe_args], help="pin a recipe: config, versions, digests")
    lock.add_argument("-o", "--output", required=True, metavar="FILE")
    plan = sub.add_parser("plan", parents=[common, recipe_args], help="show the stage graph, keys and cache state")
    plan.add_argument("-m", "--multirun", action="store_true", help="a sweep: the stages each point shares")
    sub.add_parser("recipes", parents=[common], help="list recipes").add_argument(
        "--recipes-dir", action="append", default=[], metavar="DIR")
    sub.add_parser("plugins", parents=[common], help="list providers and their packages")
    show = sub.add_parser("show", parents=[common], help="show a run's manifest and metrics")
    show.add_argument("run_id", nargs="?", default="last")
    show.add_argument("--json", action="store_true")
    runs = sub.add_parser("runs", parents=[common], help="list runs with headline metrics, newest first")
    runs.add_argument("--recipe", help="only runs of this recipe")
    runs.add_argument("--status", choices=["ok", "failed", "interrupted"], help="only runs with this status")
    runs.add_argument("--sweep", help="only the points of this sweep (id or prefix)")
    runs.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                      help="only runs whose resolved config has KEY=VALUE (e.g. method.learning_rate=1e-3)")
    runs.add_argument("--metric", action="append", default=[], metavar="NAME",
                      help="column to show, e.g. eval.tuned.token_f1 (default: the common headline numbers)")
    runs.add_argument("-n", "--limit", type=int, default=None, help="at most N runs")
    runs.add_argument("--json", action="store_true")
    compare = sub.add_parser("compare", parents=[common],
                             help="runs side by side: config diff, stage keys, metric deltas, an HTML page")
    compare.add_argument("run_ids", nargs="+", metavar="RUN", help="two or more run ids (prefixes, or last)")
    compare.add_argument("--html", default=None, metavar="FILE", help="where to write the page "
                         "(default: compare/<ids>.html in the workspace)")
    compare.add_argument("--json", action="store_true")
    cache = sub.add_parser("cache", parents=[common], help="list, verify, prune or share the cache")
    cache.add_argument("action", choices=["ls", "verify", "gc", "push", "pull"])
    cache.add_argument("--keep-runs", type=int, default=5, help="gc keeps entries used by the last N runs")
    cache.add_argument("--dry-run", action="store_true")
    cache.add_argument("--fix", action="store_true", help="verify: move damaged entries to quarantine")
    cache.add_argument("--remote", help="push/pull: remote URL (else FTFLOW_REMOTE or the workspace config)")
    serve = sub.add_parser("serve", parents=[common], help="serve a run's model (OpenAI-compatible, with routing)")
    serve.add_argument("run_id", nargs="?", default="last")
    serve.add_argument("--provider", default=None, help="server to use when the run recorded serve=none")
    serve.add_argument("--host", default=None, help="bind address (default: the recipe's, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: the recipe's, 8000; 0 picks one)")
    serve.add_argument("--python", default=None, metavar="PATH",
                       help="interpreter of a server in its own environment (vLLM; else $FTFLOW_VLLM_PYTHON)")
    serve.add_argument("--status", action="store_true",
                       help="print the counters of this run's running (or last) server: requests, refusals, "
                            "policy violations, backend restarts")
    export = sub.add_parser("export", parents=[common],
                            help="write a run's model into a plain folder with a model card (hf, gguf, ollama)")
    export.add_argument("run_id", nargs="?", default="last")
    export.add_argument("-o", "--output", required=True, metavar="DIR")
    export.add_argument("--format", dest="formats", action="append", default=[], metavar="hf|gguf|ollama",
                        help="what to write (repeatable; default: everything the run has)")
    export.add_argument("--quant", action="append", default=[], help="GGUF types to include (default: all)")
    export.add_argument("--force", action="store_true", help="replace an earlier export in DIR")
    models = sub.add_parser("models", parents=[common], help="list the models exported from this workspace")
    models.add_argument("--json", action="store_true")
    plugin = sub.add_parser("plugin", parents=[common], help="plugin author tools")
    plugin_sub = plugin.add_subparsers(dest="plugin_command", required=True, metavar="ACTION")
    new = plugin_sub.add_parser("new", parents=[common], help="create a ready-to-install plugin package NAME/")
    new.add_argument("name")
    # The kinds with a template are the scaffold's (ftflow.scaffold); it names them in its one-line error.
    new.add_argument("--kind", default="metric", help="provider kind to start from (metric, format, export, ...)")
    new.add_argument("-o", "--output", default=None, metavar="DIR", help="parent directory (default: cwd)")
    if with_plugins:  # commands plugins add (``ftflow chat``, ``ftflow data check``): loaded only when asked for
        from ftflow.plugin.manager import load_plugins

        load_plugins().hook.ftflow_add_commands(subparsers=sub, parents=[common])
    return parser


def _dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    from ftflow.errors import UserError

    if getattr(args, "handler", None) is not None:  # a plugin's command
        return args.handler(args)

    if args.command == "run" and args.multirun:
        from ftflow.commands.sweep import SweepOptions, cmd_sweep

        if args.locked or args.bundle or args.print_config:
            raise UserError("-m runs a sweep of recipes; --locked, --bundle and --print-config take one run")
        flags = [f for f, on in (("--verbose", args.verbose), ("--debug", args.debug)) if on]
        flags += [a for name in args.track for a in ("--track", name)]
        return cmd_sweep(args.overrides, args.recipes_dir, SweepOptions(
            args.launcher, args.jobs, args.launcher_arg, args.optimize, args.trials, flags))
    if args.command == "run" and (args.optimize or args.trials is not None or args.launcher_arg
                                  or args.jobs is not None or args.launcher is not None):
        raise UserError("--launcher, --jobs, --launcher-arg, --optimize and --trials apply to sweeps: add -m")
    if args.command == "plan" and args.multirun:
        from ftflow.commands.sweep import cmd_plan_sweep

        return cmd_plan_sweep(args.overrides, args.recipes_dir)
    if args.command == "run":
        from ftflow.commands.run import cmd_run

        return cmd_run(args.overrides, args.recipes_dir, args.print_config, argv,
                       locked=args.locked, allow_drift=args.allow_drift, bundle=args.bundle, allow=args.allow,
                       track=args.track)
    if args.command == "bundle":
        from ftflow.bundle import cmd_bundle

        return cmd_bundle(args.overrides, args.recipes_dir, args.output, args.no_data)
    if args.command == "lock":
        from ftflow.commands.run import cmd_lock

        return cmd_lock(args.overrides, args.recipes_dir, args.output)
    if args.command == "plan":
        from ftflow.commands.run import cmd_plan

        return cmd_plan(args.overrides, args.recipes_dir)
    if args.command in ("recipes", "plugins", "show"):
        from ftflow.commands import info

        if args.command == "recipes":
            return info.cmd_recipes(args.recipes_dir)
        if args.command == "plugins":
            return info.cmd_plugins()
        return info.cmd_show(args.run_id, args.json)
    if args.command in ("runs", "compare"):
        from ftflow.commands import runs

        if args.command == "runs":
            return runs.cmd_runs(args.recipe, args.status, args.sweep, args.where, args.limit, args.metric,
                                 args.json)
        return runs.cmd_compare(args.run_ids, args.json, args.html)
    if args.command == "cache":
        from ftflow.commands.cache import cmd_cache

        return cmd_cache(args.action, args.keep_runs, args.dry_run, fix=args.fix, remote=args.remote)
    if args.command == "serve":
        from ftflow.commands.serve import cmd_serve

        return cmd_serve(args.run_id, args.provider, args.host, args.port, args.python, args.status)
    if args.command in ("export", "models"):
        from ftflow.commands import export

        if args.command == "models":
            return export.cmd_models(args.json)
        return export.cmd_export(args.run_id, args.output, args.formats, args.quant, args.force)
    if args.command == "plugin":
        from ftflow.scaffold import cmd_plugin_new

        return cmd_plugin_new(args.name, args.kind, args.output)
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    from ftflow.errors import FtflowError

    try:
        parser = _parser(with_plugins=command not in COMMANDS)
    except (FtflowError, argparse.ArgumentError) as exc:  # a broken plugin, or two commands of one name
        if "--debug" in argv or os.environ.get("FTFLOW_DEBUG") == "1":
            raise
        print(f"ftflow: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    args, extra = parser.parse_known_args(argv)
    if extra and hasattr(args, "overrides") and not any(a.startswith("-") for a in extra):
        args.overrides += extra  # overrides after an option (`--recipes-dir DIR key=value`): in order
    elif extra:
        print(f"ftflow: error: unrecognized arguments: {' '.join(extra)} (ftflow {args.command} --help)",
              file=sys.stderr)
        return 2
    debug = args.debug or os.environ.get("FTFLOW_DEBUG") == "1"
    if args.verbose:
        os.environ["FTFLOW_VERBOSE"] = "1"  # this process and the ones it starts (ftflow.progress.verbose)
    from ftflow.errors import FtflowError, Terminated, describe_input_error, input_error_types
    from ftflow.signals import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():
            return _dispatch(args, argv)
    except FtflowError as exc:
        if debug:
            raise
        print(f"ftflow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        import shlex

        what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        hint = f"resume with: ftflow {shlex.join(argv)}" if args.command == "run" else "nothing was half-written"
        print(f"ftflow: {what}; {hint}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except input_error_types() as exc:  # a malformed file or argument that no check named more precisely
        if debug:
            raise
        print(f"ftflow: error: {describe_input_error(exc)} (--debug shows where)", file=sys.stderr)
        return 2

if __name__ == "__main__":
    raise SystemExit(main())
