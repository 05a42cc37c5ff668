"""``data=synthetic``: instruction pairs generated from a document corpus by a teacher model, filtered,
with a report of what was kept and why the rest was dropped.

For each sampled passage (a markdown section of a corpus document, in windows of ``passage_words``) one
candidate pair is made.  With ``answers: passage`` (the default, for small teachers) one or two sentences of
the passage are the answer, copied, and the teacher writes the customer question they answer (answer-first
question generation); with ``answers: teacher`` it writes a question about the passage, shown a few of the
task's own train questions for style (the seed tasks), then answers it from the passage.  With
``label_field`` it also labels the question, shown labelled train questions as examples.  The checks
(``synthetic_checks``: length, refusal, grounding in the passage, label validity and consistency,
duplicates of train, eval and kept pairs) drop what would teach the wrong thing.  The kept pairs become
chat rows with the task's system prompt and ``meta`` naming their passage; the stage writes them (plus the
train rows with ``include_train``) as ``train.jsonl`` and the eval rows unchanged as ``eval.jsonl``: what
every other data provider writes, so tokenize, train and eval read it as they read ``data=files``.

Like any stage it is cached: the key covers this config, the corpus, train and eval files and the
teacher's GGUF by content, so a rerun reuses the pairs and a changed filter regenerates them.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ftflow.errors import UserError
from ftflow.kinds import DataSource
from ftflow.provider import Estimate
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import write_jsonl
from ftflow_plugins.data.files import SOURCES_FILE, length_notes, load_split
from ftflow_plugins.data.formats import ChatFormat
from ftflow_plugins.data.quality import QualityConfig, enforce, quality_report
from ftflow_plugins.data.quality import render_markdown as quality_markdown
from ftflow_plugins.data.synthetic_checks import (
    REASONS,
    Deduper,
    FilterConfig,
    common_words,
    grounding,
    label_check,
    normalized,
    parse_question,
    single_check,
)
from ftflow_plugins.data.teachers import TeacherConfig, describe, gguf_path, make_teacher, teacher_problems

REPORT_FILE = "synthetic_report.json"
QUESTION_SYSTEM = "You write realistic customer questions for a support FAQ."
QUESTION_PROMPT = "Text:\n{passage}\n\nWrite one question about \"{title}\" that is answered by the text above.{examples}"
ANSWER_PROMPT = "Text:\n{passage}\n\nQuestion: {question}"
#: Extractive answers: a small teacher asked to answer in its own words invents facts (SmolLM2-135M: 2 of 24
#: pairs kept); asked to copy the answering sentences, it stays grounded (5 of 18 answers passed the checks).
#: A capable teacher (data.teacher.provider=openai) can be asked for answers in its own words instead.
ANSWER_SYSTEM = "Answer the question by copying the one or two sentences of the text that answer it. Write nothing else."
LABEL_PROMPT = ("{examples}Question: {question}\n\nWhich one of these topics is the question about: {labels}?\n"
                "Reply with the topic only.")
#: answers: passage — the teacher sees the answer (sentences copied from the passage) and writes its question.
#: Measured with SmolLM2-135M on 24 passages (docs/synthetic.md): no system prompt and the sentence quoted
#: gave a question for 24 of 24; "Answer: ...  Write the customer's question" with a support-FAQ system
#: prompt 4 (it replied as a support agent), few-shot answer -> question pairs from the train rows 13.
SPAN_SYSTEM = ""
SPAN_PROMPT = ("Here is a sentence from the {title} help page:\n\"{answer}\"\n\nWrite one short question a customer "
               "might ask whose answer is this sentence. Reply with the question only.")
#: Sentence breaks of a passage whose markdown lines were joined by the word windows: after . ! ? and
#: before a list marker ("2. ", "- ").
_BREAK = re.compile(r"(?<=[.!?])\s+|\s+(?=(?:\d{1,2}[.)]|[-*])\s)")
_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[-*])\s+")


@dataclasses.dataclass
class SyntheticConfig:
    corpus: list[str] = dataclasses.field(default_factory=list)  # files or directories (.jsonl/.md/.txt/.html)
    train: str | None = None  # the task's chat rows: deduped against, seed questions, labels, system prompt
    eval: str | None = None  # held-out chat rows: deduped against, written as the eval split
    include_train: bool = False  # write the train rows too (synthetic pairs added to them)
    pairs: int = 24  # candidates: passages sampled, one question each
    passage_words: int = 160
    min_passage_words: int = 30
    seed_examples: int = 0  # train questions shown to the teacher as examples of the style wanted
    #: passage: the answer is copied from the passage (answer_sentences sentences at most) and the teacher
    #: writes its question; teacher: the teacher writes the question and its answer.
    answers: Literal["passage", "teacher"] = "passage"
    answer_sentences: int = 2
    question_max_tokens: int = 64  # a question needs few tokens; a small cap ends restatement loops early
    label_examples: int = 1  # labelled train questions per label shown in the label prompt
    system_prompt: str | None = None  # the rows' system turn; None = the train rows' most common one, "" = none
    label_field: str | None = None  # a meta key the teacher labels (e.g. topic), checked for consistency
    labels: list[str] | None = None  # allowed labels; None = those of the train rows
    min_kept: int = 1  # fewer kept pairs is an error
    max_length: int = 1024  # tokens, as data.max_length
    question_system: str = QUESTION_SYSTEM
    question_prompt: str = QUESTION_PROMPT
    answer_system: str = ANSWER_SYSTEM
    answer_prompt: str = ANSWER_PROMPT
    label_prompt: str = LABEL_PROMPT
    span_system: str = SPAN_SYSTEM
    span_prompt: str = SPAN_PROMPT
    teacher: TeacherConfig = dataclasses.field(default_factory=TeacherConfig)
    filters: FilterConfig = dataclasses.field(default_factory=FilterConfig)
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)


@dataclasses.dataclass(frozen=True)
class Passage:
    id: str
    title: str
    heading: str
    text: str


def passages_of(paths: list[Path], size: int, min_words: int) -> list[Passage]:
    """Markdown sections of every corpus document, in windows of ``size`` words, at least ``min_words`` long."""
    from ftflow_plugins.rag.chunkers import sections, word_windows
    from ftflow_plugins.rag.ingest import load_corpus

    out = []
    for doc in load_corpus(paths):
        n = 0
        for heading, body in sections(doc.text):
            for text in word_windows(body, size, 0):
                if len(text.split()) >= min_words:
                    out.append(Passage(f"{doc.id}#{n}", doc.title, heading, text))
                    n += 1
    return out


def sentences(text: str) -> list[str]:
    """A passage's sentences and list items, markers and bold marks removed; a fragment the word window
    cut (no capital or digit first, no . ! ? last) is left out."""
    out = []
    for piece in _BREAK.split(text):
        piece = _MARKER.sub("", piece.replace("**", "") + " ").strip()  # a lone "2." marker becomes empty
        if piece and (piece[0].isupper() or piece[0].isdigit()) and piece[-1] in ".!?":
            out.append(piece)
    return out


def answer_spans(text: str, max_sentences: int, min_words: int = 8, max_words: int = 60) -> list[str]:
    """Answers to copy: a sentence, joined with the next ones (up to ``max_sentences``) while shorter than
    ``min_words``; spans outside ``[min_words, max_words]`` or ending in ':' are left out."""
    parts = sentences(text)
    spans = []
    for i in range(len(parts)):
        span = parts[i]
        for nxt in parts[i + 1:i + max_sentences]:
            if len(span.split()) >= min_words:
                break
            span += " " + nxt
        if min_words <= len(span.split()) <= max_words and not span.rstrip(".").endswith(":"):
            spans.append(span)
    return spans


def _chat(system: str, user: str) -> list[dict[str, str]]:
    return [*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": user}]


def label_examples(labelled: list[tuple[str, str]], labels: list[str], per_label: int, rng: random.Random) -> str:
    """Few-shot lines for the label prompt: ``per_label`` train questions of each label (seeded)."""
    lines = []
    for label in labels:
        questions = sorted({q for q, other in labelled if other == label})
        lines += [f"Question: {q}\nTopic: {label}\n\n" for q in rng.sample(questions, min(per_label, len(questions)))]
    return "".join(lines)


def user_turns(rows: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for r in rows for m in r["messages"] if m["role"] == "user"]


def parse_label(reply: str, labels: list[str]) -> str | None:
    """The first allowed label the reply names (spaces and underscores alike), else None."""
    text = f" {normalized(reply.replace('_', ' '))} "
    found = [(text.find(f" {normalized(label.replace('_', ' '))} "), label) for label in labels]
    found = [(i, label) for i, label in found if i >= 0]
    return min(found)[1] if found else None


class SyntheticData(DataSource):
    name = "synthetic"
    kind = "data"
    version = "1"
    description = "instruction pairs a teacher model writes from a corpus, filtered (grounding, dedupe, labels)"
    Config = SyntheticConfig
    libraries = ("llama-cpp-python", "openai")
    code_modules = ("ftflow_plugins.data.synthetic_checks", "ftflow_plugins.data.teachers",
                    "ftflow_plugins.data.files", "ftflow_plugins.data.quality", "ftflow_plugins.rag.chunkers",
                    "ftflow_plugins.rag.ingest", "ftflow_plugins.llamacpp.generator", "ftflow_plugins.llamacpp.batch",
                    "ftflow_plugins.evaluate.task_metrics")

    def external_inputs(self, config: SyntheticConfig) -> Mapping[str, Path | str]:
        inputs: dict[str, Path | str] = {f"corpus{i}": p for i, p in enumerate(config.corpus)}
        inputs.update({k: v for k, v in (("train", config.train), ("eval", config.eval)) if v})
        if config.teacher.provider == "llamacpp":
            inputs["teacher"] = gguf_path(config.teacher)
        return inputs

    def provides(self, config: SyntheticConfig) -> tuple[str, ...]:
        return ("train.jsonl", *(("eval.jsonl",) if config.eval else ()), SOURCES_FILE, REPORT_FILE)

    def check(self, stage, upstream) -> list[str]:
        cfg: SyntheticConfig = stage.config
        problems = [] if cfg.corpus else ["data.corpus is required (the documents pairs are generated from)"]
        problems += teacher_problems(cfg.teacher)
        if cfg.pairs < 1 or cfg.min_kept < 0:
            problems.append("data.pairs must be positive and data.min_kept not negative")
        if cfg.label_field and not cfg.labels and not cfg.train:
            problems.append("data.label_field needs data.labels or data.train rows that carry the labels")
        if cfg.answer_sentences < 1 or cfg.question_max_tokens < 8 or cfg.label_examples < 0:
            problems.append("data.answer_sentences must be positive, data.question_max_tokens at least 8 and "
                            "data.label_examples not negative")
        if not 0 <= cfg.filters.min_grounding <= 1 or not 0 < cfg.filters.dedupe_threshold <= 1:
            problems.append("data.filters.min_grounding must be in [0, 1] and dedupe_threshold in (0, 1]")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return Estimate(seconds=stage.config.pairs * 3)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        cfg: SyntheticConfig = ctx.config
        splits = {s: load_split(ctx.resolve_path(p, f"data.{s}"), ChatFormat(), None, None)
                  for s, p in (("train", cfg.train), ("eval", cfg.eval)) if p}
        train_rows, eval_rows = (splits.get(s, ([], []))[0] for s in ("train", "eval"))
        rng = random.Random(ctx.seed)
        corpus = [ctx.resolve_path(p, f"data.corpus[{i}]") for i, p in enumerate(cfg.corpus)]
        every = passages_of(corpus, cfg.passage_words, cfg.min_passage_words)
        if cfg.answers == "passage":  # only passages with a sentence worth copying as an answer
            every = [p for p in every if answer_spans(p.text, cfg.answer_sentences)]
        if not every:
            raise UserError(f"data.corpus: no passage of at least {cfg.min_passage_words} words"
                            + (" with a sentence to answer with" if cfg.answers == "passage" else ""))
        chosen = [every[i] for i in sorted(rng.sample(range(len(every)), min(cfg.pairs, len(every))))]
        labels, labelled = self._labels(cfg, train_rows)
        system = self._system(cfg, train_rows)
        ctx.log(f"{len(chosen)} of {len(every)} passages; teacher {describe(cfg.teacher)}")
        candidates = self._generate(ctx, cfg, chosen, train_rows, labels, labelled, rng)
        common = common_words([p.text for p in every], cfg.filters.common_word_share)
        rows, report = self._filter(cfg, candidates, train_rows, eval_rows, labels, labelled, system, common)
        if len(rows) < cfg.min_kept:
            raise UserError(f"data.min_kept: {len(rows)} of {len(candidates)} generated pairs passed the checks "
                            f"(dropped: {self._dropped(report)}); generate more (data.pairs) or relax data.filters")
        out_train = (train_rows if cfg.include_train else []) + rows
        out_where = (splits["train"][1] if cfg.include_train else []) + [f"synthetic:{r['id']}" for r in rows]
        final = {"train": (out_train, out_where), **({"eval": splits["eval"]} if "eval" in splits else {})}
        measured = {s: v for s, v in final.items() if v[0]}  # no kept pair (min_kept: 0): no train statistics
        quality = quality_report(measured, cfg.label_field)
        quality["notes"] = length_notes(quality, measured, cfg.max_length)
        enforce(quality, cfg.quality)
        for split, (split_rows, _) in final.items():
            write_jsonl(ctx.output_dir / f"{split}.jsonl", split_rows)
        (ctx.output_dir / SOURCES_FILE).write_text(json.dumps({s: w for s, (_, w) in final.items()}))
        (ctx.output_dir / REPORT_FILE).write_text(json.dumps(report, indent=2))
        summary = {k: report[k] for k in ("candidates", "kept", "dropped", "teacher", "passages")}
        return {"format": "chat", "source_format": "synthetic", "rows": {s: len(r) for s, (r, _) in final.items()},
                "max_length": cfg.max_length, "label_field": cfg.label_field, "quality": quality,
                "synthetic": summary, "report_md": render_markdown(report) + "\n\n" + quality_markdown(quality),
                "quality_limits": dataclasses.asdict(cfg.quality)}

    @staticmethod
    def _labels(cfg: SyntheticConfig, train_rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
        """The allowed labels and (question, label) pairs of the train rows, when a label field is set."""
        if not cfg.label_field:
            return [], []
        labelled = [(m["content"], str(r["meta"][cfg.label_field])) for r in train_rows
                    if cfg.label_field in (r.get("meta") or {}) for m in r["messages"][-2:-1] if m["role"] == "user"]
        labels = list(cfg.labels) if cfg.labels else sorted({label for _, label in labelled})
        if not labels:
            raise UserError(f"data.label_field: no train row has meta.{cfg.label_field}; set data.labels")
        return labels, labelled

    @staticmethod
    def _system(cfg: SyntheticConfig, train_rows: list[dict[str, Any]]) -> str:
        if cfg.system_prompt is not None:
            return cfg.system_prompt
        systems = Counter(r["messages"][0]["content"] for r in train_rows if r["messages"][0]["role"] == "system")
        return systems.most_common(1)[0][0] if systems else ""

    @staticmethod
    def _generate(ctx: StageContext, cfg: SyntheticConfig, chosen: list[Passage], train_rows: list[dict[str, Any]],
                  labels: list[str], labelled: list[tuple[str, str]], rng: random.Random) -> list[dict[str, Any]]:
        """Questions (and answers, with ``answers: teacher``), then labels: each round one batch of prompts."""
        from ftflow.progress import progress

        teacher = make_teacher(cfg.teacher)
        try:
            if cfg.answers == "passage":
                spans = [rng.choice(answer_spans(p.text, cfg.answer_sentences)) for p in chosen]
                prompts = [_chat(cfg.span_system, cfg.span_prompt.format(answer=span, passage=p.text, title=p.title,
                                                                         heading=p.heading))
                           for p, span in zip(chosen, spans, strict=True)]
                with progress(len(prompts), "synthetic questions"):
                    replies = teacher.complete(prompts, cfg.question_max_tokens)
                candidates = [{"passage_id": p.id, "passage": p.text, "question_reply": r,
                               "question": parse_question(r), "answer": span, "truncated": False}
                              for p, span, (r, _) in zip(chosen, spans, replies, strict=True)]
            else:
                candidates = SyntheticData._ask_and_answer(cfg, teacher, chosen, train_rows, rng)
            asked = [c for c in candidates if c["question"]]
            if labels:
                examples = label_examples(labelled, labels, cfg.label_examples, rng)
                prompts = [_chat("", cfg.label_prompt.format(question=c["question"], labels=", ".join(labels),
                                                             examples=examples)) for c in asked]
                with progress(len(prompts), "synthetic labels"):
                    replies = teacher.complete(prompts, 16)
                for c, (reply, _) in zip(asked, replies, strict=True):
                    c.update(label_reply=reply, label=parse_label(reply, labels))
        finally:
            teacher.close()
        return candidates

    @staticmethod
    def _ask_and_answer(cfg: SyntheticConfig, teacher: Any, chosen: list[Passage], train_rows: list[dict[str, Any]],
                        rng: random.Random) -> list[dict[str, Any]]:
        """``answers: teacher``: a question about each passage (seed questions shown for style), then its answer."""
        from ftflow.progress import progress

        seeds = user_turns(train_rows)
        prompts = []
        for p in chosen:
            shown = rng.sample(seeds, min(cfg.seed_examples, len(seeds))) if seeds else []
            examples = ("\nCustomers ask questions like:\n" + "\n".join(f"- {s}" for s in shown)) if shown else ""
            prompts.append(_chat(cfg.question_system, cfg.question_prompt.format(
                title=p.title, heading=p.heading, passage=p.text, examples=examples)))
        with progress(len(prompts), "synthetic questions"):
            replies = teacher.complete(prompts, cfg.question_max_tokens)
        candidates = [{"passage_id": p.id, "passage": p.text, "question_reply": r, "question": parse_question(r)}
                      for p, (r, _) in zip(chosen, replies, strict=True)]
        asked = [c for c in candidates if c["question"]]
        prompts = [_chat(cfg.answer_system, cfg.answer_prompt.format(passage=c["passage"], question=c["question"]))
                   for c in asked]
        with progress(len(prompts), "synthetic answers"):
            answers = teacher.complete(prompts, cfg.teacher.max_tokens)
        for c, (answer, truncated) in zip(asked, answers, strict=True):
            c.update(answer=answer, truncated=truncated)
        return candidates

    @staticmethod
    def _filter(cfg: SyntheticConfig, candidates: list[dict[str, Any]], train_rows: list[dict[str, Any]],
                eval_rows: list[dict[str, Any]], labels: list[str], labelled: list[tuple[str, str]],
                system: str, common: frozenset[str] = frozenset()) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        from ftflow_plugins.evaluate.task_metrics import is_refusal

        deduper = Deduper(user_turns(train_rows), user_turns(eval_rows), cfg.filters.dedupe_threshold)
        rows, verdicts = [], []
        for c in candidates:
            verdict = single_check(c, cfg.filters, is_refusal, common)
            if verdict is None and labels:
                verdict = label_check(c.get("label"), c["question"], labels, labelled, cfg.filters.label_neighbour)
            if verdict is None:
                verdict = deduper.check(c["question"])
            entry = {k: c.get(k) for k in ("passage_id", "question", "answer", "label")}
            entry["grounding"] = round(grounding(c["answer"], c["passage"]), 3) if c.get("answer") else None
            if verdict is not None:
                entry.update(kept=False, reason=verdict[0], detail=verdict[1],
                             reply=c["question_reply"] if verdict[0] == "unparsed" else None)
            else:
                entry["kept"] = True
                meta = {"source": c["passage_id"], "synthetic": True, "grounding": entry["grounding"]}
                if cfg.label_field:
                    meta[cfg.label_field] = c["label"]
                messages = [{"role": "system", "content": system}] if system else []
                messages += [{"role": "user", "content": c["question"]}, {"role": "assistant", "content": c["answer"]}]
                rows.append({"id": f"syn-{len(rows) + 1:04d}", "messages": messages, "meta": meta})
            verdicts.append(entry)
        dropped = Counter(v["reason"] for v in verdicts if not v["kept"])
        report = {"candidates": len(candidates), "kept": len(rows), "passages": len(candidates),
                  "dropped": {r: dropped.get(r, 0) for r in REASONS}, "teacher": describe(cfg.teacher),
                  "filters": dataclasses.asdict(cfg.filters), "labels": labels, "pairs": verdicts}
        return rows, report

    @staticmethod
    def _dropped(report: dict[str, Any]) -> str:
        return ", ".join(f"{r} {n}" for r, n in report["dropped"].items() if n) or "none"


def render_markdown(report: dict[str, Any]) -> str:
    """Kept vs dropped, by reason, with one example of each reason."""
    lines = [f"Synthetic pairs: {report['kept']} kept of {report['candidates']} generated "
             f"(teacher: {', '.join(f'{k} {v}' for k, v in report['teacher'].items() if v)}).", "",
             "| reason | dropped | example |", "|---|---|---|"]
    for reason, n in report["dropped"].items():
        example = next((p for p in report["pairs"] if p.get("reason") == reason), None)
        shown = f"{(example.get('question') or example.get('reply') or '')[:80]!r}: {example['detail']}" if example else ""
        lines.append(f"| {reason} | {n} | {shown.replace('|', '/')} |")
    return "\n".join(lines)
