"""The LLM reranker (``rag.reranker=llm``) on defi_copilot's eval questions, in three steps that can run on
different machines (issue 26.5).

The scoring step needs only llama-cpp-python and a GGUF, so it can run where CPU time is free while the
retrieval steps run where the index is:

    FTFLOW_HOME=/tmp/ws python bench/rerank_llm.py pairs RAG_ARTIFACT pairs.json --depth 10
    python bench/rerank_llm.py score pairs.json MODEL.gguf scores.json [--threads N]
    python bench/rerank_llm.py score pairs20.json CROSS_ENCODER_DIR ce_scores.json   # the cross-encoder instead
    python bench/rerank_llm.py metrics pairs.json scores.json

The effect on citation correctness (the eval's ``citation`` metric: cited ids among the relevant or
retrieved documents, and its recall of the relevant ones) on the first ``--examples`` eval rows, through the
rag variant's own prompt (``prompting.augment``, k=3, 360 words) and llama.cpp batched greedy decoding:

    FTFLOW_HOME=/tmp/ws python bench/rerank_llm.py cite-prep RAG_ARTIFACT prep.json --examples 40 --depth 10
    python bench/rerank_llm.py cite-run prep.json MODEL.gguf plain.json --arm hybrid
    python bench/rerank_llm.py cite-run prep.json MODEL.gguf reranked.json --arm hybrid+llm [--scores scores.json]
    python bench/rerank_llm.py cite-run prep20.json MODEL.gguf ce.json --arm hybrid+cross_encoder --reranker DIR
    python bench/rerank_llm.py cite-score prep.json plain.json reranked.json ce.json

``--arm hybrid+cross_encoder`` reranks the prep's candidates with a sentence-transformers ``CrossEncoder``
directory (``rag.reranker_model``, or the one a ``rag.reranker=cross_encoder`` index fine-tuned, under
``index/reranker/``) as the retriever does (the document's best passage, stable sort by score); prepare its
candidates with ``--depth 20``, the default ``rag.reranker_depth``.  ``cite-score`` gives each arm's
bootstrap 95% intervals and, for every arm after the first, the paired-bootstrap difference from the first
(``plugins/evaluate/intervals.py``, as the eval reports variants).

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
    from ftflow_plugins.rag.retrieve import Retriever, passage_text

    rows = [json.loads(line) for line in (ROOT / "recipes/datasets/defi_copilot/eval.jsonl").read_text().splitlines()]
    rows = [r for r in rows if (r.get("meta") or {}).get("relevant_doc_ids")]
    questions = [question_of(r["messages"]) for r in rows]
    ranked = Retriever(artifact, rerank=False).documents(questions, depth)
    out.write_text(json.dumps([{"id": r["id"], "question": q, "relevant": r["meta"]["relevant_doc_ids"],
                                "docs": [d["doc_id"] for d in docs],
                                "passages": [passage_text(d["chunks"][0]) for d in docs]}
                               for r, q, docs in zip(rows, questions, ranked, strict=True)], indent=1))


def score(pairs_file: Path, model: Path, out: Path, threads: int) -> None:
    """Score every pair with the LLM reranker's ``LlmScorer`` (``model``: a GGUF) or, when ``model`` is a
    directory, with the cross-encoder's scorer over that CrossEncoder (what ``Retriever`` loads for each)."""
    items = json.loads(pairs_file.read_text())
    queries = [(i["question"], i["passages"]) for i in items]
    wall, cpu = time.perf_counter(), time.process_time()
    if model.is_dir():
        from sentence_transformers.cross_encoder import CrossEncoder

        from ftflow_plugins.rag.rerank import _CrossEncoderScorer

        reranker, tokens = "cross_encoder", None
        scores = _CrossEncoderScorer(CrossEncoder(str(model), device="cpu"), "bench").score_many(queries)
    else:
        from ftflow_plugins.rag.llm_rerank import LlmScorer

        scorer = LlmScorer(model, "bench", threads=threads)  # readers use 1; more only where the CPU is not shared
        reranker, scores = "llm", scorer.score_many(queries)
        tokens = sum(len(scorer._tokens(i["question"], p)) for i in items for p in i["passages"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = sum(len(i["passages"]) for i in items)
    out.write_text(json.dumps({"reranker": reranker, "scores": scores, "pairs": n, "prompt_tokens": tokens,
                               "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "threads": threads,
                               "cpus": os.cpu_count(), "model": model.name}, indent=1))
    print(json.dumps({k: v for k, v in json.loads(out.read_text()).items() if k != "scores"}))


def metrics(pairs_file: Path, scores_file: Path, k: int = 5) -> None:
    """recall@k and MRR of the fused order and the reranked one, with bootstrap 95% intervals and the
    paired difference (the same questions resampled together)."""
    from ftflow_plugins.evaluate.intervals import bootstrap_interval, paired_difference

    items, run = json.loads(pairs_file.read_text()), json.loads(scores_file.read_text())
    scores = run["scores"]

    def per_question(orders: list[list[str]]) -> dict[str, list[float]]:
        recalls, reciprocal = [], []
        for item, ids in zip(items, orders, strict=True):
            relevant, ids = set(item["relevant"]), ids[:k]
            recalls.append(len(relevant & set(ids)) / len(relevant))
            reciprocal.append(next((1.0 / n for n, i in enumerate(ids, 1) if i in relevant), 0.0))
        return {f"recall@{k}": recalls, "mrr": reciprocal}

    def summary(values: dict[str, list[float]]) -> dict[str, object]:
        means = {m: sum(v) / len(v) for m, v in values.items()}
        return {**{m: round(x, 4) for m, x in means.items()},
                **{f"{m}_ci": bootstrap_interval(values[m], x) for m, x in means.items()}}

    fused = per_question([i["docs"] for i in items])
    reranked = per_question([[i["docs"][j] for j in sorted(range(len(s)), key=lambda j: -s[j])]
                             for i, s in zip(items, scores, strict=True)])
    depth = max(len(i["docs"]) for i in items)
    print(json.dumps({"queries": len(items), "depth": depth, "fused order at this depth": summary(fused),
                      f"hybrid+{run.get('reranker', 'llm')}": summary(reranked),
                      "difference": {m: paired_difference(reranked[m], fused[m]) for m in fused}}, indent=1))


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
             scores_file: Path | None, reranker: Path | None = None) -> None:
    """One arm's answers: ``hybrid`` (the fused top k), ``hybrid+llm`` (the candidates reranked, with the
    scores of a ``score`` run over the same questions when given, else scored here) or
    ``hybrid+cross_encoder`` (the candidates reranked by the CrossEncoder in ``reranker``)."""
    from ftflow_plugins.llamacpp.generator import LlamaCppGenerator
    from ftflow_plugins.rag.prompting import augment
    from ftflow_plugins.rag.retrieve import passage_text

    if arm == "hybrid+cross_encoder" and reranker is None:
        raise SystemExit("--arm hybrid+cross_encoder needs --reranker DIR (a CrossEncoder directory)")
    items = json.loads(prep_file.read_text())
    started = time.perf_counter()
    docs, rerank_s = [i["plain"] for i in items], None
    if arm != "hybrid":
        pairs = [(i["question"], [passage_text(d["chunks"][0]) for d in i["candidates"]]) for i in items]
        if arm == "hybrid+llm" and scores_file is not None:
            scores = json.loads(scores_file.read_text())["scores"][:len(items)]
        elif arm == "hybrid+llm":
            from ftflow_plugins.rag.llm_rerank import LlmScorer

            scores = LlmScorer(gguf, "bench", threads=threads).score_many(pairs)
        else:
            from sentence_transformers.cross_encoder import CrossEncoder

            from ftflow_plugins.rag.rerank import _CrossEncoderScorer  # what Retriever gets from its load()

            scores = _CrossEncoderScorer(CrossEncoder(str(reranker), device="cpu"), "bench").score_many(pairs)
        rerank_s = round(time.perf_counter() - started, 1)
        docs = [[i["candidates"][j] for j in sorted(range(len(s)), key=lambda j: -s[j])][:K]
                for i, s in zip(items, scores, strict=True)]
    generator = LlamaCppGenerator(gguf, "bench", n_threads=threads, workers=1, constrain=False)
    prompts = [augment(i["prompt"], d, CONTEXT_WORDS) for i, d in zip(items, docs, strict=True)]
    answers = generator.generate(prompts, max_new_tokens)
    out.write_text(json.dumps({"arm": arm, "seconds": round(time.perf_counter() - started, 1), "gguf": gguf.name,
                               "rerank_s": rerank_s, "reranker": str(reranker) if reranker else None,
                               "depth": max(len(i["candidates"]) for i in items) if arm != "hybrid" else None,
                               "max_new_tokens": max_new_tokens, "ids": [i["id"] for i in items], "answers": answers,
                               "retrieved": [[x["doc_id"] for x in d] for d in docs]}, indent=1))


def cite_score(prep_file: Path, run_files: list[Path]) -> None:
    """Citation precision and recall per arm with bootstrap 95% intervals; every arm after the first also
    gets its paired difference from the first (the same questions resampled together)."""
    from ftflow_plugins.evaluate.intervals import bootstrap_interval, paired_difference, proportion_interval
    from ftflow_plugins.evaluate.task_metrics import Citation, cited_ids

    items, metric, result, first = json.loads(prep_file.read_text()), Citation(), {}, None
    for run_file in run_files:
        run = json.loads(run_file.read_text())
        if run.get("ids", [i["id"] for i in items]) != [i["id"] for i in items]:
            raise SystemExit(f"{run_file}: not a run over {prep_file}'s questions")
        rows = [{"meta": i["meta"], "eval": {"retrieved_ids": r}} for i, r in zip(items, run["retrieved"],
                                                                                  strict=True)]
        answers = run["answers"]
        scores = [metric.score(a, "", row) for a, row in zip(answers, rows, strict=True)]
        applied = [s for s in scores if s is not None]
        aggregate = metric.aggregate(applied, answers, [""] * len(answers), rows)
        recalls = [len(set(i["meta"]["relevant_doc_ids"]) & set(cited_ids(a))) / len(i["meta"]["relevant_doc_ids"])
                   if (i["meta"].get("relevant_doc_ids")) else None for i, a in zip(items, answers, strict=True)]
        in_prompt = [float(bool(set(i["meta"]["relevant_doc_ids"]) & set(r))) if i["meta"].get("relevant_doc_ids")
                     else None for i, r in zip(items, run["retrieved"], strict=True)]
        found, named = int(sum(x for x in in_prompt if x is not None)), sum(x is not None for x in in_prompt)
        citation, recall = sum(applied) / len(applied), aggregate["extras"].get("recall", 0.0)
        entry: dict[str, object] = {
            "examples": len(items), "citation": round(citation, 4), "n": len(applied),
            "citation_ci": bootstrap_interval(scores, citation),
            "citation_recall": round(recall, 4), "citation_recall_ci": bootstrap_interval(recalls, recall),
            "answers_without_citation": aggregate["details"]["answers_without_citation"],
            "relevant_in_prompt": f"{found}/{named}", "relevant_in_prompt_ci": proportion_interval(found, named),
            "seconds": run["seconds"], "rerank_s": run.get("rerank_s")}
        if first is None:
            first = (run["arm"], scores, recalls, in_prompt)
        else:
            entry[f"vs {first[0]}"] = {"citation": paired_difference(scores, first[1]),
                                       "citation_recall": paired_difference(recalls, first[2]),
                                       "relevant_in_prompt": paired_difference(in_prompt, first[3])}
        result[run["arm"]] = entry
    print(json.dumps(result, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("pairs")
    p.add_argument("artifact", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--depth", type=int, default=10)
    s = sub.add_parser("score")
    s.add_argument("pairs", type=Path)
    s.add_argument("model", type=Path, help="the LLM reranker's GGUF, or a CrossEncoder directory")
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
    r.add_argument("--arm", choices=("hybrid", "hybrid+llm", "hybrid+cross_encoder"), required=True)
    r.add_argument("--reranker", type=Path, help="a CrossEncoder directory, for --arm hybrid+cross_encoder")
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
        cite_run(args.prep, args.gguf, args.out, args.arm, args.max_new_tokens, args.threads, args.scores,
                 args.reranker)
    elif args.step == "cite-score":
        cite_score(args.prep, args.runs)
    elif args.step == "pairs":
        pairs(args.artifact, args.out, args.depth)
    elif args.step == "score":
        score(args.pairs, args.model, args.out, args.threads)
    else:
        metrics(args.pairs, args.scores)


if __name__ == "__main__":
    main()
