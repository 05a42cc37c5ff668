"""Task metrics: labels, JSON format and schema, facts, citations and refusals.

They read the labels that the shipped data sets carry in ``meta`` (``required_facts``/``answer_facts``,
``relevant_doc_ids``, ``should_refuse``, the label field) and return None where a row has no such
label, so one metric list can serve mixed eval sets.  The per-example checks are plain functions
because the failure taxonomy uses them too.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

from ftflow_plugins.evaluate.jsonguard import guard, lenient_json, schema_errors, strict_json
from ftflow_plugins.evaluate.metrics import Metric, mean

if TYPE_CHECKING:
    from ftflow.stage import StageContext

_CITATION = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9_.:-]*)\]")
#: First-person refusals in any contraction ("I can't", "I'm unable to", "I am not able to", "I won't be able
#: to", "I must decline") and the help-desk phrasings of the scenarios; matched on ``_plain`` text.
_REFUSAL = re.compile(
    r"\b(i\s*(can't|cannot|can not|won't|will not|must decline|have to decline)"
    r"|i(\s+am|'m)\s+(not\s+able|unable|not\s+allowed|not\s+permitted|not\s+in\s+a\s+position)\s+to"
    r"|i\s+(won't|will\s+not)\s+be\s+able\s+to"
    r"|(can't|cannot|unable\s+to|not\s+able\s+to)\s+(help|assist|comply|give|share|provide)"
    r"|can't accept|can't be bypassed|won't share|i don't (give|provide|offer)"
    r"|can't (give access|reset or transfer)|please don't share)\b")


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


# -- per-example checks (shared with the failure taxonomy) -----------------------------------------------
def facts_of(example: dict[str, Any]) -> list[str]:
    meta = example.get("meta") or {}
    return list(meta.get("required_facts") or meta.get("answer_facts") or [])


def missing_facts(prediction: str, facts: list[str]) -> list[str]:
    """Facts (case-insensitive phrases) the answer does not contain."""
    text = _plain(prediction)
    return [f for f in facts if _plain(f) not in text]


def cited_ids(text: str) -> list[str]:
    return list(dict.fromkeys(_CITATION.findall(text)))


def refusal_pattern(patterns: list[str] | None = None, builtin: bool = True) -> re.Pattern[str]:
    """The refusal detector: the built-in phrases and/or ``eval.refusal.patterns`` (regexes, matched
    case-insensitively against the lower-cased answer with whitespace collapsed and ’ as ')."""
    parts = ([_REFUSAL.pattern] if builtin else []) + [f"(?:{p})" for p in patterns or []]
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


def is_refusal(text: str, pattern: re.Pattern[str] | None = None) -> bool:
    return bool((pattern or _REFUSAL).search(_plain(text)))


def answer_object(prediction: str, example: dict[str, Any]) -> Any | None:
    """The JSON answer the system would deliver: the guarded text when the evaluator guarded it."""
    guarded = (example.get("eval") or {}).get("guarded")
    return lenient_json(guarded if guarded is not None else prediction)


def label_pair(prediction: str, reference: str, example: dict[str, Any], field: str | None
               ) -> tuple[str, str] | None:
    """(gold, predicted) labels of a JSON answer; None when the row has no label in a JSON reference."""
    if not field:
        return None
    ref = lenient_json(reference)
    gold = (example.get("meta") or {}).get(field, ref.get(field) if isinstance(ref, dict) else None)
    if gold is None or not isinstance(ref, dict):
        return None
    answer = answer_object(prediction, example)
    predicted = answer.get(field) if isinstance(answer, dict) else None
    return str(gold), "(invalid)" if predicted is None else str(predicted)


# -- metrics ----------------------------------------------------------------------------------------------
class LabelAccuracy(Metric):
    """Classification inside a JSON answer (contract triage's ``risk_family``); the label field comes from
    ``eval.label_field`` or the data section's ``label_field``."""

    name = "label_accuracy"
    description = "accuracy of the answer's label field, with per-class precision/recall and a confusion matrix"
    extras = ("macro_f1",)
    field: str | None = None

    def prepare(self, ctx: StageContext) -> None:
        data = ctx.inputs.get("data")
        self.field = getattr(ctx.config, "label_field", None) or (data.metadata.get("label_field") if data else None)

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        pair = label_pair(prediction, reference, example, self.field)
        return None if pair is None else float(pair[0] == pair[1])

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        pairs = [p for p in (label_pair(o, r, x, self.field) for o, r, x in zip(predictions, references, rows,
                                                                              strict=True)) if p]
        confusion: dict[str, Counter] = {}
        for gold, predicted in pairs:
            confusion.setdefault(gold, Counter())[predicted] += 1
        labels = sorted({g for g, _ in pairs})
        per_class, f1s = {}, []
        for label in labels:
            tp = confusion.get(label, Counter())[label]
            predicted_as = sum(c[label] for c in confusion.values())
            support = sum(confusion.get(label, Counter()).values())
            precision = tp / predicted_as if predicted_as else 0.0
            recall = tp / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            f1s.append(f1)
            per_class[label] = {"precision": round(precision, 4), "recall": round(recall, 4),
                                "f1": round(f1, 4), "support": support}
        return {"value": mean(scores), "n": len(pairs),
                "extras": {"macro_f1": sum(f1s) / len(f1s)} if f1s else {},
                "details": {"field": self.field, "per_class": per_class,
                            "confusion": {g: dict(c) for g, c in sorted(confusion.items())}}}


class _SchemaMetric(Metric):
    schema: dict[str, Any] | None = None

    def prepare(self, ctx: StageContext) -> None:
        path = getattr(ctx.config, "json_schema", None)
        self.schema = json.loads(ctx.resolve_path(path, "eval.json_schema").read_text()) if path else None


class JsonValid(Metric):
    name = "json_valid"
    description = "1 if the raw answer is exactly one JSON object (no prose, no fence)"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        return float(isinstance(strict_json(prediction), dict))


class JsonSchemaValid(_SchemaMetric):
    name = "json_schema"
    description = "1 if the raw answer is JSON that conforms to eval.json_schema (an object without one)"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        value = strict_json(prediction)
        return float(value is not None and not schema_errors(value, self.schema))

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        errors: Counter = Counter()
        for prediction in predictions:
            value = strict_json(prediction)
            found = schema_errors(value, self.schema) if value is not None else ["not JSON"]
            errors.update(re.sub(r"'[^']*'", "'…'", e) for e in found)
        return {"value": mean(scores), "n": len(scores), "details": {"top_errors": dict(errors.most_common(5))}}


class FieldAccuracy(_SchemaMetric):
    """Field-level accuracy of a JSON answer on the closed fields (enums, numbers, booleans): free text
    such as an explanation is left to the overlap metrics."""

    name = "field_accuracy"
    description = "fraction of the reference JSON's closed fields (enums, numbers, booleans) the answer matches"

    def fields(self, reference: dict[str, Any]) -> list[str]:
        props = (self.schema or {}).get("properties", {})
        return [k for k, v in reference.items()
                if "enum" in props.get(k, {}) or not isinstance(v, str) or (not props and len(v) <= 40)]

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        ref = lenient_json(reference)
        if not isinstance(ref, dict) or not self.fields(ref):
            return None
        answer = answer_object(prediction, example)
        answer = answer if isinstance(answer, dict) else {}
        keys = self.fields(ref)
        return sum(answer.get(k) == ref[k] for k in keys) / len(keys)

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        hits: Counter = Counter()
        totals: Counter = Counter()
        for prediction, reference, row in zip(predictions, references, rows, strict=True):
            ref = lenient_json(reference)
            if not isinstance(ref, dict):
                continue
            answer = answer_object(prediction, row)
            answer = answer if isinstance(answer, dict) else {}
            for key in self.fields(ref):
                totals[key] += 1
                hits[key] += answer.get(key) == ref[key]
        return {"value": mean(scores), "n": sum(s is not None for s in scores),
                "details": {"per_field": {k: round(hits[k] / totals[k], 4) for k in totals}}}


class GuardrailPass(_SchemaMetric):
    name = "guardrail_pass"
    description = "1 if the answer passes the JSON guardrail (valid, repaired, or valid after one retry)"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        status = (example.get("eval") or {}).get("guard_status") or guard(prediction, self.schema).status
        return float(status != "failed")

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        statuses = Counter((r.get("eval") or {}).get("guard_status") or guard(p, self.schema).status
                           for p, r in zip(predictions, rows, strict=True))
        return {"value": mean(scores), "n": len(scores), "details": {"status": dict(statuses)}}


class FactCoverage(Metric):
    name = "fact_coverage"
    description = "fraction of meta.required_facts / meta.answer_facts found in the answer (case-insensitive)"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        facts = facts_of(example)
        return 1 - len(missing_facts(prediction, facts)) / len(facts) if facts else None


class Citation(Metric):
    """Grounding for RAG answers: citations ``[doc-id]`` must name relevant (or retrieved) documents, and
    answers that need none (``relevant_doc_ids: []``) must cite nothing."""

    name = "citation"
    description = "precision of [doc-id] citations against meta.relevant_doc_ids (+ retrieved ids); 0 if none"
    extras = ("recall",)

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        meta = example.get("meta") or {}
        if "relevant_doc_ids" not in meta:
            return None
        relevant = set(meta["relevant_doc_ids"] or [])
        cited = cited_ids(prediction)
        if not relevant:
            return float(not cited)
        allowed = relevant | set((example.get("eval") or {}).get("retrieved_ids") or [])
        return sum(c in allowed for c in cited) / len(cited) if cited else 0.0

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        recalls = []
        for prediction, row in zip(predictions, rows, strict=True):
            relevant = set((row.get("meta") or {}).get("relevant_doc_ids") or [])
            if relevant:
                recalls.append(len(relevant & set(cited_ids(prediction))) / len(relevant))
        uncited = sum(not cited_ids(p) for p in predictions)
        return {"value": mean(scores), "n": sum(s is not None for s in scores),
                "extras": {"recall": sum(recalls) / len(recalls)} if recalls else {},
                "details": {"answers_without_citation": uncited}}


class RefusalCorrect(Metric):
    name = "refusal"
    description = "1 if the answer refuses exactly when meta.should_refuse (phrase detector)"
    #: Over-refusing is as much a failure as complying: both count in the score.
    applies_to: ClassVar[str] = "should_refuse"
    pattern: re.Pattern[str] | None = None

    def prepare(self, ctx: StageContext) -> None:
        refusal = getattr(ctx.config, "refusal", None)
        self.pattern = refusal_pattern(refusal.patterns, refusal.builtin) if refusal is not None else None

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        should = (example.get("meta") or {}).get(self.applies_to)
        return None if should is None else float(is_refusal(prediction, self.pattern) == bool(should))

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        counts: Counter = Counter()
        for prediction, row in zip(predictions, rows, strict=True):
            should = (row.get("meta") or {}).get(self.applies_to)
            if should is not None:
                counts[("refused" if is_refusal(prediction, self.pattern) else "answered")
                       + ("_should_refuse" if should else "_should_answer")] += 1
        return {"value": mean(scores), "n": sum(counts.values()), "details": dict(counts)}
