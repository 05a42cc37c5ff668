"""The LLM reranker (``rag.reranker=llm``) on defi_copilot's eval questions, in three steps that can run on
different machines (issue 26.5).

The scoring step needs only llama-cpp-python and a GGUF, so it can run where CPU time is free while the
retrieval steps run where the index is:

    FTFLOW_HOME=/tmp/ws python bench/rerank_llm.py pairs RAG_ARTIFACT pairs.json --depth 10
    python bench/rerank_llm.py score pairs.json MODEL.gguf scores.json [--threads N]
    python bench/rerank_llm.py metrics pairs.json scores.json

The effect on citation correctness (the eval's ``citation`` metric: cited ids among the relevant or
retrieved documents, and its recall of the relevant ones) on the first ``--examples`` eval rows, through the
rag variant's own prompt (``prompting.augment``, k=3, 360 words) and llama.cpp batched greedy decoding:

    FTFLOW_HOME=/tmp/ws python bench/rerank_llm.py cite-prep RAG_ARTIFACT prep.json --examples 40 --depth 10
    python bench/rerank_llm.py cite-run prep.json MODEL.gguf plain.json --arm hybrid
    python bench/rerank_llm.py cite-run prep.json MODEL.gguf reranked.json --arm hybrid+llm [--scores scores.json]
    python bench/rerank_llm.py cite-score prep.json plain.json reranked.json

``pairs`` writes, per eval question that names its documents, the top ``depth`` documents of the index's
fused (hybrid) ranking with the passage a reranker reads (``Retriever.documents(..., rerank=False)`` and
``passage_text``); ``score`` scores every pair with ``LlmScorer`` (what ``Retriever`` uses for an index built
with ``rag.reranker=llm``) and times it; ``metrics`` prints recall@5 and MRR of the fused order and of the
reranked one, as ``retrieve.retrieval_metrics`` computes them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pairs(artifact: Path, out: Path, depth: int) -> None:
    from ftflow_plugins.rag.prompting import question_of
    from ftflow_plugins.rag.rerank import passage_text
    from ftflow_plugins.rag.retrieve import Retriever

    rows = [json.loads(line) for line in (ROOT / "recipes/datasets/defi_copilot/eval.jsonl").read_text().splitlines()]
    rows = [r for r in rows if (r.get("meta") or {}).get("relevant_doc_ids")]
    questions = [question_of(r["messages"]) for r in rows]
    ranked = Retriever(artifact, rerank=False).documents(questions, depth)
    out.write_text(json.dumps([{"id": r["id"], "question": q, "relevant": r["meta"]["relevant_doc_ids"],
                                "docs": [d["doc_id"] for d in docs],
                                "passages": [passage_text(d["chunks"][0]) for d in docs]}
                               for r, q, docs in zip(rows, questions, ranked, strict=True)], indent=1))


def score(pairs_file: Path, gguf: Path, out: Path, threads: int) -> None:
    from ftflow_plugins.rag.llm_rerank import LlmScorer

    items = json.loads(pairs_file.read_text())
    scorer = LlmScorer(gguf, "bench", threads=threads)  # readers use 1; more only where the CPU is not shared
    wall, cpu = time.perf_counter(), time.process_time()
    scores = scorer.score_many([(i["question"], i["passages"]) for i in items])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = sum(len(i["passages"]) for i in items)
    tokens = sum(len(scorer._tokens(i["question"], p)) for i in items for p in i["passages"])
    out.write_text(json.dumps({"scores": scores, "pairs": n, "prompt_tokens": tokens, "wall_s": round(wall, 2),
                               "cpu_s": round(cpu, 2), "threads": threads, "cpus": os.cpu_count(),
                               "gguf": gguf.name}, indent=1))
    print(json.dumps({k: v for k, v in json.loads(out.read_text()).items() if k != "scores"}))


def metrics(pairs_file: Path, scores_file: Path, k: int = 5) -> None:
    items, scores = json.loads(pairs_file.read_text()), json.loads(scores_file.read_text())["scores"]

    def measure(orders: list[list[str]]) -> dict[str, float]:
        recalls, reciprocal = [], []
        for item, ids in zip(items, orders, strict=True):
            relevant, ids = set(item["relevant"]), ids[:k]
            recalls.append(len(relevant & set(ids)) / len(relevant))
            reciprocal.append(next((1.0 / n for n, i in enumerate(ids, 1) if i in relevant), 0.0))
        return {f"recall@{k}": round(sum(recalls) / len(items), 4), "mrr": round(sum(reciprocal) / len(items), 4)}

    fused = [i["docs"] for i in items]
    reranked = [[i["docs"][j] for j in sorted(range(len(s)), key=lambda j: -s[j])] for i, s in zip(items, scores,
                                                                                                   strict=True)]
    depth = max(len(i["docs"]) for i in items)
    print(json.dumps({"queries": len(items), "depth": depth, "fused order at this depth": measure(fused),
                      "hybrid+llm": measure(reranked)}))


K, CONTEXT_WORDS = 3, 360  # the defi_copilot recipe's rag.k and rag.context_words


def cite_prep(artifact: Path, out: Path, examples: int, depth: int, with_documents: bool) -> None:
    from ftflow_plugins.rag.prompting import question_of
    from ftflow_plugins.rag.retrieve import Retriever

    rows = [json.loads(line) for line in (ROOT / "recipes/datasets/defi_copilot/eval.jsonl").read_text().splitlines()]
    if with_documents:  # the questions the retrieval metrics (and ``pairs``) use
        rows = [r for r in rows if (r.get("meta") or {}).get("relevant_doc_ids")]
    rows = rows[:examples]
    prompts = [[m for m in r["messages"] if m["role"] != "assistant"] for r in rows]
    questions = [question_of(p) for p in prompts]
    retriever = Retriever(artifact, rerank=False)
    # what the rag variant retrieves without a reranker (k documents), and the candidates a reranker with
    # rag.reranker_depth=depth rescores (Retriever.documents with want = max(k, depth))
    plain, candidates = retriever.documents(questions, K), retriever.documents(questions, max(K, depth))
    out.write_text(json.dumps([{"id": r["id"], "meta": r["meta"], "prompt": p, "question": q, "plain": pl,
                                "candidates": c}
                               for r, p, q, pl, c in zip(rows, prompts, questions, plain, candidates, strict=True)]))


def cite_run(prep_file: Path, gguf: Path, out: Path, arm: str, max_new_tokens: int, threads: int,
             scores_file: Path | None) -> None:
    """One arm's answers: ``hybrid`` (the fused top k) or ``hybrid+llm`` (the candidates reranked, with the
    scores of a ``score`` run over the same questions when given, else scored here)."""
    from ftflow_plugins.llamacpp.backend import LlamaCppGenerator
    from ftflow_plugins.rag.llm_rerank import LlmScorer
    from ftflow_plugins.rag.prompting import augment
    from ftflow_plugins.rag.rerank import passage_text

    items = json.loads(prep_file.read_text())
    started = time.perf_counter()
    docs = [i["plain"] for i in items]
    if arm == "hybrid+llm":
        if scores_file is not None:
            scores = json.loads(scores_file.read_text())["scores"][:len(items)]
        else:
            scores = LlmScorer(gguf, "bench", threads=threads).score_many(
                [(i["question"], [passage_text(d["chunks"][0]) for d in i["candidates"]]) for i in items])
        docs = [[i["candidates"][j] for j in sorted(range(len(s)), key=lambda j: -s[j])][:K]
                for i, s in zip(items, scores, strict=True)]
    generator = LlamaCppGenerator(gguf, "bench", n_threads=threads, workers=1, constrain=False)
    prompts = [augment(i["prompt"], d, CONTEXT_WORDS) for i, d in zip(items, docs, strict=True)]
    answers = generator.generate(prompts, max_new_tokens)
    out.write_text(json.dumps({"arm": arm, "seconds": round(time.perf_counter() - started, 1), "gguf": gguf.name,
                               "max_new_tokens": max_new_tokens, "answers": answers,
                               "retrieved": [[x["doc_id"] for x in d] for d in docs]}, indent=1))


def cite_score(prep_file: Path, run_files: list[Path]) -> None:
    from ftflow_plugins.evaluate.task_metrics import Citation

    items, metric, result = json.loads(prep_file.read_text()), Citation(), {}
    for run_file in run_files:
        run = json.loads(run_file.read_text())
        rows = [{"meta": i["meta"], "eval": {"retrieved_ids": r}} for i, r in zip(items, run["retrieved"],
                                                                                  strict=True)]
        answers = run["answers"]
        scores = [metric.score(a, "", row) for a, row in zip(answers, rows, strict=True)]
        applied = [s for s in scores if s is not None]
        aggregate = metric.aggregate(applied, answers, [""] * len(answers), rows)
        relevant = [(set(i["meta"].get("relevant_doc_ids") or []), r) for i, r in zip(items, run["retrieved"],
                                                                                       strict=True)]
        result[run["arm"]] = {
            "examples": len(items), "citation": round(sum(applied) / len(applied), 4), "n": len(applied),
            "citation_recall": round(aggregate["extras"].get("recall", 0.0), 4),
            "answers_without_citation": aggregate["details"]["answers_without_citation"],
            "relevant_in_prompt": round(sum(bool(rel & set(r)) for rel, r in relevant if rel)
                                        / max(1, sum(bool(rel) for rel, _ in relevant)), 4),
            "seconds": run["seconds"]}
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("pairs")
    p.add_argument("artifact", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--depth", type=int, default=10)
    s = sub.add_parser("score")
    s.add_argument("pairs", type=Path)
    s.add_argument("gguf", type=Path)
    s.add_argument("out", type=Path)
    s.add_argument("--threads", type=int, default=1)
    m = sub.add_parser("metrics")
    m.add_argument("pairs", type=Path)
    m.add_argument("scores", type=Path)
    c = sub.add_parser("cite-prep")
    c.add_argument("artifact", type=Path)
    c.add_argument("out", type=Path)
    c.add_argument("--examples", type=int, default=40)
    c.add_argument("--depth", type=int, default=10)
    c.add_argument("--with-documents", action="store_true", help="only questions that name relevant documents")
    r = sub.add_parser("cite-run")
    r.add_argument("prep", type=Path)
    r.add_argument("gguf", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--arm", choices=("hybrid", "hybrid+llm"), required=True)
    r.add_argument("--scores", type=Path, help="a score run's output over the same questions, in order")
    r.add_argument("--max-new-tokens", type=int, default=96)
    r.add_argument("--threads", type=int, default=1)
    t = sub.add_parser("cite-score")
    t.add_argument("prep", type=Path)
    t.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args()
    if args.step == "cite-prep":
        cite_prep(args.artifact, args.out, args.examples, args.depth, args.with_documents)
    elif args.step == "cite-run":
        cite_run(args.prep, args.gguf, args.out, args.arm, args.max_new_tokens, args.threads, args.scores)
    elif args.step == "cite-score":
        cite_score(args.prep, args.runs)
    elif args.step == "pairs":
        pairs(args.artifact, args.out, args.depth)
    elif args.step == "score":
        score(args.pairs, args.gguf, args.out, args.threads)
    else:
        metrics(args.pairs, args.scores)


if __name__ == "__main__":
    main()
