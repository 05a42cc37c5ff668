"""Contract-triage schema and validation of the written files."""

from __future__ import annotations

import json
import re

from .checks import chat_rows, dedup_checks, fail, jaccard, label_conflicts, shingles
from .ct_build import MAX_LINES, MIN_LINES, SURFACE, SYSTEM
from .ct_lint import LintError, check_snippet, mentioned_calls
from .ct_outside_a import ENTRIES as OUTSIDE_A
from .ct_outside_b import ENTRIES as OUTSIDE_B
from .ct_outside_c import ENTRIES as OUTSIDE_C

FAMILIES = ["reentrancy", "access_control", "unchecked_external_call", "integer_overflow",
            "oracle_manipulation", "tx_origin_auth", "delegatecall_injection", "none"]
SEVERITIES = ["none", "low", "medium", "high", "critical"]
SURFACES = ["external_call", "privileged_function", "arithmetic", "price_feed", "authentication",
            "proxy_call", "none"]
KEYS = ["risk_family", "severity", "attack_surface", "explanation"]
FENCE = re.compile(r"^Triage this contract:\n```solidity\n(.*)\n```$", re.S)
SPLIT_KINDS = {"train": {"train"}, "eval": {"heldout", "paraphrase"}, "outside": {"outside"}}
OUTSIDE_NOTES = {name: note for name, *_rest, note in OUTSIDE_A + OUTSIDE_B + OUTSIDE_C}
OUTSIDE_MAX_SIM = 0.5  # hand-written probes stay far from every generated row

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Contract triage answer",
    "description": "Risk triage of one Solidity snippet, as produced by the contract_triage assistant.",
    "type": "object",
    "properties": {
        "risk_family": {"type": "string", "enum": FAMILIES,
                        "description": "Main vulnerability class, or none when no issue is found."},
        "severity": {"type": "string", "enum": SEVERITIES,
                     "description": "Impact per the data card's severity rules; none only with risk_family none."},
        "attack_surface": {"type": "string", "enum": SURFACES,
                           "description": "Where the attacker interacts with the bug."},
        "explanation": {"type": "string", "minLength": 1, "maxLength": 200,
                        "description": "One-sentence justification naming the function involved."},
    },
    "required": KEYS,
    "additionalProperties": False,
}


def validate_answer(obj: dict, where: str) -> None:
    """Check one answer object against SCHEMA (stdlib re-implementation)."""
    if list(obj) != KEYS:
        fail(where, f"answer keys {list(obj)} must be exactly {KEYS} in order")
    if obj["risk_family"] not in FAMILIES or obj["severity"] not in SEVERITIES:
        fail(where, "enum violation")
    if obj["attack_surface"] not in SURFACES:
        fail(where, "enum violation (attack_surface)")
    ex = obj["explanation"]
    if not isinstance(ex, str) or not 1 <= len(ex) <= 200:
        fail(where, "explanation must be 1-200 characters")
    if SURFACE[obj["risk_family"]] != obj["attack_surface"]:
        fail(where, "attack_surface inconsistent with risk_family")
    if (obj["risk_family"] == "none") != (obj["severity"] == "none"):
        fail(where, "severity none iff risk_family none")


def check_code(code: str, obj: dict, meta: dict, name: str, where: str) -> None:
    """The snippet itself: size, pragma, balanced syntax, the label's marker present and no other family's
    (``ct_lint``), and every function the explanation names really exists."""
    lines = len(code.splitlines())
    if name != "outside" and not MIN_LINES <= lines <= MAX_LINES:
        fail(where, f"snippet has {lines} lines (want {MIN_LINES}-{MAX_LINES})")
    if "pragma solidity" not in code:
        fail(where, "snippet has no pragma")
    try:
        check_snippet(code, obj["risk_family"])
    except LintError as exc:
        note = OUTSIDE_NOTES.get(meta.get("probe")) if name == "outside" else None
        if not (note and str(exc).startswith("no ")):
            fail(where, f"lint: {exc}")
    for fn_name in mentioned_calls(obj["explanation"]):
        if f"{fn_name}(" not in code:
            fail(where, f"explanation names {fn_name}() but the code has no such call or function")


def _names(rows: list[dict], pattern: str) -> set[str]:
    return {m for r in rows for m in re.findall(pattern, r["messages"][1]["content"])}


def check(train: list[dict], evals: list[dict], outside: list[dict]) -> dict:
    """All contract-triage constraints; returns similarity stats."""
    for name, rows in (("train", train), ("eval", evals), ("outside", outside)):
        chat_rows(rows, f"contract/{name}")
        for r in rows:
            where = f"contract/{name}:{r['id']}"
            msgs = r["messages"]
            if len(msgs) != 3 or msgs[0]["content"] != SYSTEM:
                fail(where, "want exactly system/user/assistant with the constant system prompt")
            m = FENCE.match(msgs[1]["content"])
            if not m:
                fail(where, "user turn must be 'Triage this contract:' plus a solidity fence")
            raw = msgs[2]["content"]
            obj = json.loads(raw)
            if json.dumps(obj, separators=(",", ":")) != raw:
                fail(where, "answer must be compact JSON")
            validate_answer(obj, where)
            meta = r["meta"]
            if any(meta[k] != obj[k] for k in KEYS[:3]):
                fail(where, "meta labels differ from the answer")
            if meta["split_kind"] not in SPLIT_KINDS[name]:
                fail(where, "bad split_kind")
            check_code(m.group(1), obj, meta, name, where)
    none_share = sum(r["meta"]["risk_family"] == "none" for r in train) / len(train)
    if not 0.15 <= none_share <= 0.3:
        fail("contract/train", f"none share {none_share:.2f} outside 15-30%")
    for what, pattern in (("contract name", r"\bcontract (\w+)"), ("pragma", r"pragma solidity ([^;]+);")):
        shared = _names(train, pattern) & _names(evals, pattern)
        if shared:
            fail("contract/eval", f"{what} {sorted(shared)[0]!r} also appears in train (eval pools must be held out)")
    stats = dedup_checks(train, evals, lambda r: r["messages"][1]["content"].lower(), "contract")
    probes = [shingles(r["messages"][1]["content"]) for r in outside]
    for label, rows in (("outside~train", train), ("outside~eval", evals)):
        best = (0.0, "", "")
        for r in rows:  # a few thousand pairs: exact, no prefix filter needed
            sh = shingles(r["messages"][1]["content"])
            best = max([best] + [(jaccard(sh, p), r["id"], o["id"]) for p, o in zip(probes, outside, strict=True)])
        if best[0] >= OUTSIDE_MAX_SIM:
            fail("contract/outside", f"{best[2]} is too close to {best[1]} ({best[0]:.2f})")
        stats[f"max_jaccard_{label}"] = round(best[0], 3)
    everything = train + evals + outside
    label_conflicts(everything, lambda r: r["messages"][1]["content"], lambda r: r["messages"][2]["content"],
                    "contract")
    label_conflicts(everything, lambda r: r["messages"][1]["content"],
                    lambda r: repr([r["meta"][k] for k in KEYS[:3]]), "contract-meta")
    stats["none_share"] = round(none_share, 3)
    return stats
