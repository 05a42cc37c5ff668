"""Render shape specs into Solidity source: pattern + distractors, in a sampled surface style."""

from __future__ import annotations

import re

from .ct_layout import comments, idioms, legacy, shape_text
from .ct_names import EVAL_PRAGMAS, LICENSES, PRAGMAS


def fn(sig: str, *body: str) -> list[str]:
    """A function/modifier block with a 4-space indented body."""
    return [sig + " {"] + ["    " + b if b else "" for b in body] + ["}"]


def cap(s: str) -> str:
    """Upper-case the first character."""
    return s[0].upper() + s[1:]


def idents(lines: list[str]) -> set[str]:
    """Identifiers used in some lines (for collision checks between a shape and its distractors)."""
    return set(re.findall(r"[A-Za-z_]\w*", "\n".join(lines)))


def flat(spec: dict) -> list[str]:
    """Every code line of a spec (for identifier collision checks)."""
    out = list(spec.get("pre", [])) + list(spec.get("state", [])) + list(spec.get("events", []))
    for key in ("mods", "funcs"):
        for block in spec.get(key, []):
            out += block
    return out + list(spec.get("ctor", []))


def merge(spec: dict, extras: list[dict], rng) -> dict:
    """The shape's spec plus distractor members; state lines land at random positions."""
    spec = {k: (list(v) if isinstance(v, list) else v) for k, v in spec.items()}
    for key in ("pre", "state", "events", "mods", "funcs"):
        spec[key] = list(spec.get(key, []))
    for ex in extras:
        spec["pre"] = spec["pre"] + ([""] if spec["pre"] else []) + ex.get("pre", [])
        for line in ex.get("state", []):
            spec["state"].insert(rng.randint(0, len(spec["state"])), line)
        spec["events"] += ex.get("events", [])
        spec["mods"] += ex.get("mods", [])
        spec["funcs"] += ex.get("funcs", [])
        if ex.get("ctor"):
            spec["ctor"] = spec["ctor"] + ex["ctor"] if spec.get("ctor") is not None else list(ex["ctor"])
            spec.setdefault("ctor_args", "")
    return spec


def render(n, spec: dict, rng, st, *, ver: str = "08") -> str:
    """Assemble a full Solidity file from a (merged) spec in surface style ``st``."""
    funcs = [list(f) for f in spec["funcs"]]
    head, tail = funcs[:spec.get("fixed", 0)], funcs[spec.get("fixed", 0):]
    rng.shuffle(tail)
    errors: set[str] = set()
    blocks = [idioms(b, st, ver, errors) for b in list(spec.get("mods", []))]
    if spec.get("ctor") is not None:
        sig = "constructor(" + spec.get("ctor_args", "") + ")" + spec.get("ctor_tail", "")
        sig += " public" if ver in ("04", "05", "06") else ""
        blocks.append(idioms(fn(sig, *spec["ctor"]), st, ver, errors))
    blocks += [idioms(f, st, ver, errors) for f in head + tail]
    state = idioms(list(spec.get("state", [])), st, ver, errors)
    events = idioms(list(spec.get("events", [])), st, ver, errors)
    decls = [state, events, [f"error {e}();" for e in sorted(errors)]]
    if rng.random() < 0.3:
        decls = [events, [f"error {e}();" for e in sorted(errors)], state]
    body: list[str] = []
    for group in decls:
        if group:
            body += ([""] if body and rng.random() < 0.5 else []) + group
    for b in blocks:
        body += ([""] if body else []) + b
    pragma = rng.choice((EVAL_PRAGMAS if st.held else PRAGMAS)[ver])
    out = [f"// SPDX-License-Identifier: {rng.choice(LICENSES)}"] if st.spdx else []
    out += [f"pragma solidity {pragma};", ""]
    if spec.get("imports"):
        out += spec["imports"] + [""]
    if spec.get("pre"):
        out += spec["pre"] + [""]
    if st.header:
        out.append(st.header.format(C=n.C))
    inherits = spec.get("inherits", [])
    out.append(f"contract {n.C}" + (f" is {', '.join(inherits)}" if inherits else "") + " {")
    out += ["    " + line if line else "" for line in body]
    out.append("}")
    if ver != "08":
        out = legacy(out, ver, n.C)
    return "\n".join(shape_text(comments(out, st, rng), st))
