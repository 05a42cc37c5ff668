"""Contract-triage schema and validation of the written files."""

from __future__ import annotations

import json
import re

from .checks import chat_rows, dedup_checks, fail, label_conflicts
from .ct_build import SURFACE, SYSTEM

FAMILIES = ["reentrancy", "access_control", "unchecked_external_call", "integer_overflow",
            "oracle_manipulation", "tx_origin_auth", "delegatecall_injection", "none"]
SEVERITIES = ["none", "low", "medium", "high", "critical"]
SURFACES = ["external_call", "privileged_function", "arithmetic", "price_feed", "authentication",
            "proxy_call", "none"]
KEYS = ["risk_family", "severity", "attack_surface", "explanation"]
FENCE = re.compile(r"^Triage this contract:\n```solidity\n(.*)\n```$", re.S)

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


def check(train: list[dict], evals: list[dict]) -> dict:
    """All contract-triage constraints; returns similarity stats."""
    for name, rows in (("train", train), ("eval", evals)):
        chat_rows(rows, f"contract/{name}")
        for r in rows:
            where = f"contract/{name}:{r['id']}"
            msgs = r["messages"]
            if len(msgs) != 3 or msgs[0]["content"] != SYSTEM:
                fail(where, "want exactly system/user/assistant with the constant system prompt")
            m = FENCE.match(msgs[1]["content"])
            if not m:
                fail(where, "user turn must be 'Triage this contract:' plus a solidity fence")
            code = m.group(1)
            if not 8 <= len(code.splitlines()) <= 40 or "pragma solidity" not in code:
                fail(where, "snippet must be 8-40 lines with a pragma")
            raw = msgs[2]["content"]
            obj = json.loads(raw)
            if json.dumps(obj, separators=(",", ":")) != raw:
                fail(where, "answer must be compact JSON")
            validate_answer(obj, where)
            meta = r["meta"]
            if any(meta[k] != obj[k] for k in KEYS[:3]):
                fail(where, "meta labels differ from the answer")
            ok = {"train"} if name == "train" else {"heldout", "paraphrase"}
            if meta["split_kind"] not in ok:
                fail(where, "bad split_kind")
    none_share = sum(r["meta"]["risk_family"] == "none" for r in train) / len(train)
    if not 0.15 <= none_share <= 0.3:
        fail("contract/train", f"none share {none_share:.2f} outside 15-30%")
    stats = dedup_checks(train, evals, lambda r: r["messages"][1]["content"].lower(), "contract")
    label_conflicts(train + evals, lambda r: r["messages"][1]["content"], lambda r: r["messages"][2]["content"],
                    "contract")
    label_conflicts(train + evals, lambda r: r["messages"][1]["content"], lambda r: repr(sorted(r["meta"].items())[:3]),
                    "contract-meta")
    stats["none_share"] = round(none_share, 3)
    return stats
