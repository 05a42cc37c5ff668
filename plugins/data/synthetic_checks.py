"""Quality checks for synthetic instruction pairs: each returns a drop reason, or None to keep the pair.

They run in a fixed order and a pair is dropped for the first reason it meets, so the report's counts add
up to the candidates generated:

1. ``unparsed`` — the teacher's reply has no question (no line ending in '?');
2. ``truncated`` — the answer hit the teacher's token limit (cut mid-sentence);
3. ``length`` — question or answer outside ``[min, max]`` words;
4. ``refusal`` — the answer declines (the evaluator's refusal detector), which teaches refusing answerable
   questions;
5. ``ungrounded`` — under ``min_grounding`` of the answer's content words occur in the source passage, or
   it states a number the passage does not contain (hallucinated fees, versions and dates are the costly kind);
6. ``off_topic`` — the question shares fewer than ``min_shared_words`` content words with its answer (with
   answers copied from the passage, the teacher's question may be about something else);
7. ``label_invalid`` / ``label_inconsistent`` — with a label field: the teacher's label is not one of the
   labels, or the most similar labelled train question (word Jaccard >= ``label_neighbour``) has another;
8. ``duplicate_train`` / ``duplicate_eval`` / ``duplicate`` — the question nearly repeats a train question,
   an eval question (leakage into the held-out set) or an earlier kept synthetic one (word 3-gram Jaccard
   >= ``dedupe_threshold``, the quality report's shingles, or the same normalized text).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ftflow_plugins.data.quality import near_pairs, shingles

_WORD = re.compile(r"[a-z0-9][a-z0-9'._-]*[a-z0-9]|[a-z0-9]")
#: A question: an interrogative or auxiliary first word, up to '?', not crossing a quote, ':', '!' or a full
#: stop (a '.' inside a number such as 3.5 is kept).  A reply like "A customer wants to know how ...?" or a
#: fragment such as "Settings > About) and your device?" is no question.
QUESTION_WORDS = ("what", "how", "why", "when", "where", "which", "who", "whom", "whose", "can", "could", "do",
                  "does", "did", "is", "are", "was", "were", "should", "will", "would", "may", "might", "has",
                  "have", "am", "shall")
_CLAUSE = re.compile(r"\b(?:" + "|".join(w.capitalize() for w in QUESTION_WORDS) + r")\b(?:'[a-z]+)?"
                     r"(?:[^?!.:\"\u201c\u201d]|\.(?=\d))*\?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
#: Function words left out of the grounding ratio (they occur in any passage).
_STOP = """a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just let me more most my no nor not now of off
on once only or other our ours out over own same she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself please thanks thank hi hello sure yes okay ok"""
STOPWORDS = frozenset(_STOP.split())
#: Drop reasons in the order they are checked (the report lists every one, zero or not).
REASONS = ("unparsed", "truncated", "length", "refusal", "ungrounded", "off_topic", "label_invalid",
           "label_inconsistent", "duplicate_train", "duplicate_eval", "duplicate")


@dataclasses.dataclass
class FilterConfig:
    min_question_words: int = 4
    max_question_words: int = 60
    min_answer_words: int = 4
    max_answer_words: int = 160
    #: Share of the answer's content words (no stop words) that must occur in the source passage.
    min_grounding: float = 0.6
    #: Every number in the answer must occur in the passage.
    numbers_in_passage: bool = True
    drop_refusals: bool = True
    #: Content words the question must share with its answer (0 = no check) ...
    min_shared_words: int = 1
    #: ... not counting words in more than this share of the corpus passages (the product's own name is
    #: in every other passage and would tie any question to any answer).
    common_word_share: float = 0.4
    #: Word 3-gram Jaccard at or above which a question duplicates another (0.8 is the quality report's
    #: near-duplicate rule for whole rows; single questions are shorter, so a paraphrase scores lower).
    dedupe_threshold: float = 0.7
    #: Word Jaccard at or above which a train question is close enough for its label to be compared.
    label_neighbour: float = 0.5


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """A crude stem for word overlap: swap/swaps, larger/large, fees/fee meet."""
    return word.rstrip("s")[:5]


def normalized(text: str) -> str:
    return " ".join(words(text))


def parse_question(text: str) -> str | None:
    """The question in a teacher's reply: on the first line that ends with '?' (list markers, a 'Question:'
    label and quotes stripped), its last clause that starts with a capitalised question word (What, How,
    Can, Does, ...) and ends with '?', so a preamble (``What a great question! How about this: "How do I
    ...?``) is dropped; None when there is no such clause (a small teacher often restates the text instead)."""
    lines = [re.sub(r"^\s*(?:[-*\d.)]+\s+|(?:question|q)\s*\d*\s*[:.-]\s*)", "", line, flags=re.I).strip(" \"'")
             for line in text.strip().splitlines()]
    line = next((line for line in lines if line.endswith("?")), None)
    clauses = _CLAUSE.findall(line) if line else []
    return clauses[-1].strip() if clauses else None


def grounding(answer: str, passage: str) -> float:
    """Share of the answer's content words that occur in the passage (1.0 for an answer without any)."""
    mine = content_words(answer)
    if not mine:
        return 1.0
    theirs = set(content_words(passage))
    return sum(w in theirs for w in mine) / len(mine)


def foreign_numbers(answer: str, passage: str) -> list[str]:
    """Numbers in the answer that the passage does not contain."""
    known = {n.replace(",", "") for n in _NUMBER.findall(passage)}
    return [n for n in _NUMBER.findall(answer) if n.replace(",", "") not in known]


def common_words(passages: list[str], share: float) -> frozenset[str]:
    """Stems of the content words found in more than ``share`` of the passages."""
    counts: dict[str, int] = {}
    for text in passages:
        for word in {stem(w) for w in content_words(text)}:
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if n > share * len(passages))


def single_check(candidate: dict[str, Any], cfg: FilterConfig, refusal: Any,
                 common: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(reason, detail) for checks 1-6, which look at one candidate alone; None when it passes them."""
    question, answer, passage = candidate.get("question"), candidate.get("answer") or "", candidate["passage"]
    if not question:
        return "unparsed", "no question in the teacher's reply"
    if candidate.get("truncated"):
        return "truncated", "the answer hit teacher.max_tokens"
    nq, na = len(question.split()), len(answer.split())
    if not cfg.min_question_words <= nq <= cfg.max_question_words:
        return "length", f"question has {nq} words"
    if not cfg.min_answer_words <= na <= cfg.max_answer_words:
        return "length", f"answer has {na} words"
    if cfg.drop_refusals and refusal(answer):
        return "refusal", "the answer declines"
    share = grounding(answer, passage)
    if share < cfg.min_grounding:
        return "ungrounded", f"{share:.0%} of the answer's content words are in the passage"
    if cfg.numbers_in_passage and (numbers := foreign_numbers(answer, passage)):
        return "ungrounded", f"numbers not in the passage: {', '.join(numbers[:3])}"
    shared = ({stem(w) for w in content_words(question)} & {stem(w) for w in content_words(answer)}) - common
    if len(shared) < cfg.min_shared_words:
        return "off_topic", f"the question shares {len(shared)} content words with its answer"
    return None


def word_jaccard(a: str, b: str) -> float:
    x, y = set(words(a)), set(words(b))
    return len(x & y) / len(x | y) if x | y else 0.0


def label_check(label: str | None, question: str, labels: list[str], labelled: list[tuple[str, str]],
                neighbour: float) -> tuple[str, str] | None:
    """Check 7: the label is one of ``labels`` and agrees with the nearest labelled question, if near enough."""
    if label not in labels:
        return "label_invalid", f"teacher's label {label!r} is not one of {', '.join(labels)}"
    best, best_label = 0.0, None
    for text, other in labelled:
        score = word_jaccard(question, text)
        if score > best:
            best, best_label = score, other
    if best >= neighbour and best_label != label:
        return "label_inconsistent", f"labelled {label!r}; the nearest train question ({best:.2f}) is {best_label!r}"
    return None


class Deduper:
    """Check 8 over a growing set: near duplicates of train questions, eval questions, or kept ones."""

    def __init__(self, train: list[str], eval_: list[str], threshold: float) -> None:
        self.threshold = threshold
        self.known = {"duplicate_train": [shingles(normalized(q)) for q in train],
                      "duplicate_eval": [shingles(normalized(q)) for q in eval_]}
        self.exact = {"duplicate_train": {normalized(q) for q in train},
                      "duplicate_eval": {normalized(q) for q in eval_}}
        self.kept: list[frozenset[str]] = []
        self.kept_exact: set[str] = set()

    def check(self, question: str) -> tuple[str, str] | None:
        norm = normalized(question)
        mine = [shingles(norm)]
        for reason in ("duplicate_eval", "duplicate_train"):  # leakage into eval is the worse finding
            if norm in self.exact[reason]:
                return reason, "the same question"
            hit = near_pairs(self.known[reason], mine, self.threshold) if self.known[reason] else {}
            if hit:
                return reason, f"3-gram Jaccard {hit[0][1]:.2f}"
        if norm in self.kept_exact:
            return "duplicate", "the same question as a kept pair"
        hit = near_pairs(self.kept, mine, self.threshold) if self.kept else {}
        if hit:
            return "duplicate", f"3-gram Jaccard {hit[0][1]:.2f} with a kept pair"
        self.kept.append(mine[0])
        self.kept_exact.add(norm)
        return None
