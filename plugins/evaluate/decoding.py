"""How each variant decoded, so a comparison never mixes decoding modes silently.

A generator declares ``decoding = {"engine", "sampling", "constrained_by"}`` (``constrained_by``: what
enforces a JSON schema while decoding — ``grammar`` on llama.cpp, ``xgrammar`` on transformers — or None);
wrappers (RAG, few-shot) expose their ``inner`` generator's.  The evaluator records, per variant, the engine,
the sampling and whether the answers were decoded under ``eval.json_schema``; the report shows the table and
warns when the variants differ, and ``eval.constrained`` makes them all the same.
"""

from __future__ import annotations

from typing import Any


def declared(generator: Any) -> dict[str, Any] | None:
    """The ``decoding`` a generator, or the generator it wraps, declares."""
    while generator is not None:
        info = getattr(generator, "decoding", None)
        if isinstance(info, dict):
            return info
        generator = getattr(generator, "inner", None)
    return None


def decoding_mode(generator: Any, schema: dict[str, Any] | None, constrained: bool | None, variant: str
                  ) -> dict[str, str]:
    """``{"engine", "sampling", "constrained"}`` for the report; with ``eval.constrained=true`` a variant
    that cannot decode under the schema is an error before it generates (never a silent mix)."""
    info = declared(generator)
    if info is None:
        mode = {"engine": type(generator).__name__, "sampling": "unknown",
                "constrained": "no" if schema is None or constrained is False else "unknown"}
    else:
        by = info.get("constrained_by")
        mode = {"engine": str(info.get("engine")), "sampling": str(info.get("sampling")),
                "constrained": f"json schema ({by})" if schema is not None and by and constrained is not False
                else "no"}
    if constrained is True and not mode["constrained"].startswith("json schema"):
        from ftflow.errors import UserError

        raise UserError(f"eval.constrained=true: variant '{variant}' ({mode['engine']}) cannot decode under "
                        "eval.json_schema; drop it from eval.variants or leave eval.constrained null")
    return mode


def _describe(mode: dict[str, str]) -> str:
    return f"{mode['engine']} {mode['sampling']}, " + (
        "under the JSON schema" + mode["constrained"][len("json schema"):] if mode["constrained"].startswith(
            "json schema") else "constrained: " + mode["constrained"])


def decoding_notes(decoding: dict[str, dict[str, str]], schema_set: bool) -> list[str]:
    """One line for ``ftflow show`` when a schema is set or the variants decoded differently."""
    modes = {(m["sampling"], m["constrained"]) for m in decoding.values()}
    if len(modes) > 1:
        groups: dict[str, list[str]] = {}
        for variant, mode in decoding.items():
            groups.setdefault(_describe(mode), []).append(variant)
        return ["decoding differs between variants (format metrics partly measure the decoder; "
                "eval.constrained=true|false decodes them alike): "
                + "; ".join(f"{', '.join(v)}: {d}" for d, v in groups.items())]
    if not decoding or not schema_set:
        return []
    mode = next(iter(decoding.values()))
    if mode["constrained"].startswith("json schema"):
        return [f"every variant decoded {mode['sampling']} under the JSON schema "
                f"({', '.join(sorted({m['constrained'][13:-1] for m in decoding.values()}))})"]
    return [f"every variant decoded {mode['sampling']} without the JSON schema (the guardrail repairs afterwards)"]


def decoding_markdown(decoding: dict[str, dict[str, str]]) -> list[str]:
    """The report's decoding table, with a warning when the variants did not decode alike."""
    if not decoding:
        return []
    lines = ["### Decoding", "", "| variant | engine | sampling | constrained |", "|---|---|---|---|"]
    lines += [f"| {v} | {m['engine']} | {m['sampling']} | {m['constrained']} |" for v, m in decoding.items()]
    lines.append("")
    if len({(m["sampling"], m["constrained"]) for m in decoding.values()}) > 1:
        lines += ["**Mixed decoding:** the variants did not all decode the same way, so differences in the "
                  "format metrics (`json_valid`, `json_schema`) partly measure the decoder, not the model. "
                  "`eval.constrained=true` (or `false`) decodes every variant alike.", ""]
    return lines
