"""Generate ftflow's hand-authored recipe data sets, then validate them.

Run from the repository root::

    python3 tools/datasets/generate.py          # (re)write every data file under recipes/datasets/, then check
    python3 tools/datasets/generate.py --check  # verify the committed files are current and valid

The generators live here, outside ``recipes/`` (which ships in the wheel as data) and under ruff; only
the files they write ship.

Output is deterministic (fixed seeds, stdlib only). Any violated constraint raises and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
#: Where the shipped data sets live (and what the recipes name relative to the recipe root).
HERE = Path(__file__).resolve().parents[2] / "recipes" / "datasets"

from _gen import ct_build, ct_check, defi_check, defi_qa, wallet_check  # noqa: E402
from _gen.checks import CheckError, load_jsonl  # noqa: E402
from _gen.common import emit, json_text, jsonl_text  # noqa: E402
from _gen.defi_corpus import build_corpus as defi_corpus  # noqa: E402
from _gen.wallet_chats import build_eval, build_train  # noqa: E402
from _gen.wallet_corpus import build_corpus as wallet_corpus  # noqa: E402
from _gen.wallet_pref import build_preference  # noqa: E402


def build_all() -> tuple[dict[Path, str], dict]:
    """Every output file's text, plus in-memory extras the checks need."""
    files: dict[Path, str] = {}
    ws = HERE / "wallet_support"
    files[ws / "train.jsonl"] = jsonl_text(build_train())
    files[ws / "eval.jsonl"] = jsonl_text(build_eval())
    files[ws / "preference.jsonl"] = jsonl_text(build_preference())
    files[ws / "corpus" / "corpus.jsonl"] = jsonl_text(wallet_corpus())
    ct = HERE / "contract_triage"
    ct_train, ct_eval = ct_build.build()
    files[ct / "schema.json"] = json_text(ct_check.SCHEMA)
    files[ct / "train.jsonl"] = jsonl_text(ct_train)
    files[ct / "eval.jsonl"] = jsonl_text(ct_eval)
    files[ct / "outside.jsonl"] = jsonl_text(ct_build.build_outside())
    dc = HERE / "defi_copilot"
    dc_train, dc_eval, keys = defi_qa.build()
    files[dc / "corpus" / "corpus.jsonl"] = jsonl_text(defi_corpus())
    files[dc / "train.jsonl"] = jsonl_text(dc_train)
    files[dc / "eval.jsonl"] = jsonl_text(dc_eval)
    return files, {"defi_keys": keys}


def validate(extras: dict) -> dict:
    """Re-read the files from disk and run every check; returns report stats."""
    ws, ct, dc = HERE / "wallet_support", HERE / "contract_triage", HERE / "defi_copilot"
    stats = {}
    w_train, w_eval = load_jsonl(ws / "train.jsonl"), load_jsonl(ws / "eval.jsonl")
    w_corpus = load_jsonl(ws / "corpus" / "corpus.jsonl")
    wallet_check.check_corpus(w_corpus)
    stats["wallet_support"] = wallet_check.check_chats(w_train, w_eval, w_corpus)
    stats["wallet_support"].update(wallet_check.check_preference(load_jsonl(ws / "preference.jsonl"), w_eval))
    stats["contract_triage"] = ct_check.check(load_jsonl(ct / "train.jsonl"), load_jsonl(ct / "eval.jsonl"),
                                              load_jsonl(ct / "outside.jsonl"))
    d_corpus = load_jsonl(dc / "corpus" / "corpus.jsonl")
    defi_check.check_corpus(d_corpus)
    stats["defi_copilot"] = defi_check.check(load_jsonl(dc / "train.jsonl"), load_jsonl(dc / "eval.jsonl"),
                                             d_corpus, extras["defi_keys"])
    return stats


def main(argv: list[str] | None = None) -> int:
    """Entry point: build, write (or compare), validate, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; fail if files are stale")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files, extras = build_all()
    stale = [p for p, text in files.items() if not emit(p, text, args.check)]
    if stale:
        print("stale or missing (run without --check):", *[str(p.relative_to(HERE)) for p in stale], sep="\n  ")
        return 1
    try:
        stats = validate(extras)
    except CheckError as exc:
        print(f"CHECK FAILED: {exc}")
        return 1
    for path, text in sorted(files.items()):
        rows = text.count("\n") if path.suffix == ".jsonl" else 1
        print(f"{path.relative_to(HERE)}: {rows} {'rows' if path.suffix == '.jsonl' else 'document'}")
    for name, st in stats.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in st.items()))
    print(f"all checks passed in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
