"""The continuous-batching llama.cpp server (serve.server: slots) on the smoke run's GGUF: concurrent
requests share decode steps, one request alone decodes what llama-cpp-python decodes, sampling with a
seed repeats, stop strings end the text."""

from __future__ import annotations

import threading

import gguf_workspace
import pytest

llama_cpp = pytest.importorskip("llama_cpp")

from ftflow_plugins.serve.slots import Engine, Job  # noqa: E402


@pytest.fixture(scope="module")
def llm(gguf_home):
    artifact, _ = gguf_workspace.export_artifact(gguf_home)
    path = next((artifact / "gguf").glob("*q8_0.gguf"))
    return llama_cpp.Llama(model_path=str(path), n_ctx=512, n_threads=1, n_threads_batch=1, verbose=False)


def run(engine: Engine, jobs: list[Job]) -> list[tuple[str, str]]:
    out: list[list] = [["", None] for _ in jobs]
    done = threading.Semaphore(0)

    def sink(i: int):
        def put(kind, value):
            if kind == "text":
                out[i][0] += value
            else:
                out[i][1] = value
                done.release()
        return put

    for i, job in enumerate(jobs):
        job.sink = sink(i)
        engine.submit(job)
    if not engine.thread.is_alive():
        engine.thread.start()
    for _ in jobs:
        assert done.acquire(timeout=60)
    return [tuple(o) for o in out]


def test_concurrent_requests_share_decode_steps(llm):
    engine = Engine(llm, slots=4, n_ctx=128, start=False)  # the jobs wait until all four are queued
    prompts = ["Hello there", "What is a wallet?", "Explain gas fees", "Reentrancy is"]
    results = run(engine, [Job(llm.tokenize(p.encode()), 12, temperature=0) for p in prompts])
    assert engine.widest == 4 and all(reason in ("stop", "length") for _, reason in results)


def test_one_request_decodes_like_llama_cpp_python_and_seeds_repeat(llm):
    engine = Engine(llm, slots=2, n_ctx=128)
    prompt = "The quick brown fox"
    (text, reason), = run(engine, [Job(llm.tokenize(prompt.encode()), 8, temperature=0)])
    expected = llm.create_completion(prompt, max_tokens=8, temperature=0)["choices"][0]
    assert text == expected["text"] and reason == expected["finish_reason"]
    sampled = [run(engine, [Job(llm.tokenize(prompt.encode()), 8, temperature=1.0, seed=7)])[0] for _ in range(2)]
    assert sampled[0] == sampled[1]
    if len(text) > 2:  # a stop string cuts the text where it starts
        stop = text[1:3]
        (cut, reason), = run(engine, [Job(llm.tokenize(prompt.encode()), 8, temperature=0, stop=[stop])])
        assert cut == text[:text.index(stop)] and reason == "stop"


def test_a_shared_prompt_prefix_is_copied_not_recomputed(llm):
    engine = Engine(llm, slots=2, n_ctx=256)
    system = "You are a careful assistant for a crypto wallet. Answer briefly and never ask for a seed phrase. "
    first, second = system + "How do I back up?", system + "Why is my balance zero?"
    run(engine, [Job(llm.tokenize(first.encode()), 4, temperature=0)])
    assert engine.reused == 0
    (text, _), = run(engine, [Job(llm.tokenize(second.encode()), 8, temperature=0)])
    assert engine.reused >= 16  # the system prompt's tokens
    assert text == llm.create_completion(second, max_tokens=8, temperature=0)["choices"][0]["text"]


def test_a_step_feeds_the_sequences_in_stream_order():
    """llama.cpp splits a multi-stream batch into micro-batches of consecutive sequence ids in batch order:
    a step must list its sequences by id, whatever order they were admitted in, or it decodes in pieces."""
    from llama_cpp import _internals

    from ftflow_plugins.llamacpp.batch import fill_batch

    batch = _internals.LlamaBatch(n_tokens=8, embd=0, n_seq_max=1, verbose=False)
    b = batch.batch
    gen3, new0, gen1, new2 = (Job([], 4) for _ in range(4))
    for job, seq in ((gen3, 3), (new0, 0), (gen1, 1), (new2, 2)):
        job.seq = seq
    gen3.next_token, gen3.pos, gen1.next_token, gen1.pos = 30, 7, 10, 5
    new0.pending, new2.pending = [100, 101, 102], [200, 201, 202, 203, 204]
    rows = fill_batch(b, [gen3, new0, gen1, new2], n_batch=8)  # 2 generated + 6 prompt tokens fit
    seqs = [b.seq_id[i][0] for i in range(b.n_tokens)]
    assert seqs == [0, 0, 0, 1, 2, 2, 2, 3]
    assert [b.token[i] for i in range(b.n_tokens)] == [100, 101, 102, 10, 200, 201, 202, 30]
    assert [b.pos[i] for i in range(b.n_tokens)] == [0, 1, 2, 5, 0, 1, 2, 7]
    assert [bool(b.logits[i]) for i in range(b.n_tokens)] == [False, False, True, True, False, False, False, True]
    assert rows == [(2, new0), (3, gen1), (7, gen3)]  # new2 still has prompt tokens left: no logits yet
    assert new2.pending == [203, 204] and gen1.next_token is None and (gen1.pos, new2.pos) == (6, 3)
    batch.close()


def test_new_requests_take_the_lowest_free_streams(llm):
    engine = Engine(llm, slots=3, n_ctx=128, start=False)
    tokens = llm.tokenize(b"Hello there")
    first = [Job(list(tokens), 6, temperature=0), Job(list(tokens), 1, temperature=0),
             Job(list(tokens), 3, temperature=0)]
    run(engine, first)  # streams 0, 1, 2 freed in the order 1, 2, 0 (unless an end token comes first)
    later = [Job(list(tokens), 2, temperature=0) for _ in range(2)]
    run(engine, later)
    assert sorted(job.seq for job in later) == [0, 1]


def test_sequences_sharing_the_kv_cache_do_not_see_each_other(llm):
    """All slots share one (unified) KV cache and the system prompt's cells: every token a concurrent greedy
    request picks is the top choice of a fresh one-sequence context fed the same tokens (up to float noise),
    so no sequence attends to another's cells."""
    import numpy as np

    engine = Engine(llm, slots=4, n_ctx=256, start=False)
    system = "You are a careful assistant for a crypto wallet. Answer briefly and never ask for a seed phrase. "
    prompts = [llm.tokenize((system + q).encode()) for q in
               ("How do I back up?", "Why is my balance zero?", "What is gas?", "Can I cancel a transfer?")]
    run(engine, [Job(list(prompts[0]), 2, temperature=0)])  # leaves the system prompt in the prefix stream
    jobs = [Job(list(p), 12, temperature=0) for p in prompts]
    run(engine, jobs)
    assert engine.reused >= 4 * 16 and engine.widest == 4
    checker = llama_cpp.Llama(model_path=llm.model_path, n_ctx=512, logits_all=True, n_threads=1, verbose=False)
    try:
        for prompt, job in zip(prompts, jobs, strict=True):
            checker.reset()
            checker.eval(prompt + job.generated)
            rows = np.array(checker.scores[len(prompt) - 1:len(prompt) + len(job.generated) - 1])
            for token, row in zip(job.generated, rows, strict=True):
                assert row.max() - row[token] <= 0.02 * (row.max() - row.min())
    finally:
        checker.close()
