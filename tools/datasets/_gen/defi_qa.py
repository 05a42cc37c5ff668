"""Build Harbor copilot rows: HIP and treasury slots, doc Q&A, multi-doc and concept questions."""

from __future__ import annotations

from .common import msg, number_ids, rng_for
from .defi_concepts import CONCEPTS, CONCEPTS_HELD
from .defi_hips import HIPS, fmt
from .defi_hips import record as hip
from .defi_qa_docs import ABSTAIN_QA, DOC_QA, MULTI_QA
from .defi_treasury import QUARTERS, m, qlabel
from .defi_treasury import record as quarter

SYSTEM = (
    "You are Harbor Copilot, a research assistant for the Harbor Finance ecosystem: Harbor Lend, Harbor "
    "Swap, the Harbor DAO and its treasury. Answer from the provided sources and cite every source you use "
    "in square brackets by its document id, for example [hip-017]. If the sources do not contain the answer, "
    "say so. General DeFi concept questions may be answered without citations. Be concise and exact with "
    "numbers and dates."
)
HELD_HIPS = {4: "1,000,000 hbr per month", 11: "2024-12-16", 19: "$1,000,000", 23: "buy back hbr"}
DATE_HELD = [5, 6, 9, 13, 17, 21]
PROPOSER_HELD = [3, 8, 12, 16, 20, 24]
PARA_HIPS = {1: "change", 5: "outcome", 7: "outcome", 10: "change", 12: "outcome", 14: "change",
             15: "change", 18: "outcome", 22: "change"}
OUT_Q = ["Did HIP-{n} pass?", "What was the vote result on HIP-{n}?", "How did the HIP-{n} vote go?"]
OUT_PARA = "Was HIP-{n}, the '{title}' proposal, accepted by veHBR holders, and what were the totals?"
CHG_Q = ["What did HIP-{n} change?", "What does HIP-{n} ({title}) do?", "Summarise HIP-{n}.",
         "What was HIP-{n} about?"]
CHG_PARA = "Explain briefly what the '{title}' proposal set out to do."


def _outcome(d: dict, v: int) -> str:
    turnout = d["yes"] + d["no"] + d["abstain"]
    y, n, c = fmt(d["yes"]), fmt(d["no"]), f"[{d['id']}]"
    if d["status"] == "Executed":
        return [f"HIP-{d['n']} ({d['title']}) passed with {y} veHBR for and {n} against, and was executed on "
                f"{d['exec']} {c}.",
                f"Yes. HIP-{d['n']} received {y} veHBR for versus {n} against and was executed on {d['exec']} {c}.",
                f"It was approved: {y} veHBR supported HIP-{d['n']} and {n} opposed it, and it was executed "
                f"on {d['exec']} after the timelock {c}."][v]
    if turnout < d["quorum"]:
        q = fmt(d["quorum"])
        return [f"HIP-{d['n']} ({d['title']}) was defeated: turnout of {fmt(turnout)} veHBR missed the {q} veHBR "
                f"quorum, although {y} voted for and {n} against {c}.",
                f"No. HIP-{d['n']} had {y} veHBR for and {n} against, but turnout stayed below the {q} veHBR quorum, "
                f"so it was defeated {c}.",
                f"It failed on quorum: only {fmt(turnout)} veHBR took part ({y} for, {n} against) versus the {q} "
                f"veHBR required, so it was defeated {c}."][v]
    return [f"HIP-{d['n']} ({d['title']}) was defeated: {n} veHBR voted against and only {y} for {c}.",
            f"No. HIP-{d['n']} drew {y} veHBR for and {n} against, so it was defeated {c}.",
            f"It did not pass; opponents cast {n} veHBR against {y} in favour, and it was defeated {c}."][v]


def _change(d: dict, v: int) -> str:
    c = f"[{d['id']}]"
    spec = "; ".join(s[0].lower() + s[1:] if s[1:2].islower() else s for s in d["spec"])
    return [f"HIP-{d['n']} {d['summary']} {c}.",
            f"{d['title']} (HIP-{d['n']}): {spec} {c}.",
            f"According to the proposal, HIP-{d['n']} {d['summary']}. Status: {d['status'].lower()} {c}."][v]


def _hip_facts(d: dict, slot: str, answer: str = "") -> list[str]:
    status = "executed" if d["status"] == "Executed" else "defeated"
    if slot == "outcome":
        return [fmt(d["yes"]), fmt(d["no"]), status]
    facts = [f for f in d["facts"] if f in answer.lower()]
    if not facts:
        raise ValueError(f"no key fact of HIP-{d['n']} appears in: {answer}")
    return facts


def row(question: str, answer: str, docs: list[str], facts: list[str], kind: str, retrieval: bool = True,
        key: str | None = None) -> dict:
    """Assemble one copilot row; ``key`` (a novel fact) is kept aside for the checker."""
    r = {"messages": [msg("system", SYSTEM), msg("user", question), msg("assistant", answer)],
         "meta": {"relevant_doc_ids": list(docs), "needs_retrieval": retrieval,
                  "answer_facts": [f.lower() for f in facts], "split_kind": kind}}
    if key:
        r["_key"] = key.lower()
    return r


def hip_rows() -> tuple[list[dict], list[dict]]:
    """Train: outcome + change for non-held HIPs. Eval: held HIPs, dates, proposers, paraphrases."""
    train, evals = [], []
    for h in HIPS:
        d = hip(h)
        n, docs = d["n"], [d["id"]]
        fill = {"n": n, "title": d["title"]}
        if n in HELD_HIPS:
            evals.append(row(OUT_Q[n % 3].format(**fill), _outcome(d, 0), docs, _hip_facts(d, "outcome"),
                             "heldout", key=fmt(d["yes"])))
            a = _change(d, 0)
            evals.append(row(CHG_Q[n % 4].format(**fill), a, docs, _hip_facts(d, "change", a), "heldout",
                             key=HELD_HIPS[n]))
            continue
        train.append(row(OUT_Q[n % 3].format(**fill), _outcome(d, n % 2), docs, _hip_facts(d, "outcome"), "train"))
        for v, qi in enumerate((n % 4, (n + 2) % 4)):
            a = _change(d, v)
            train.append(row(CHG_Q[qi].format(**fill), a, docs, _hip_facts(d, "change", a), "train"))
        if n in DATE_HELD:
            evals.append(row(f"When did voting on HIP-{n} take place?",
                             f"Voting on HIP-{n} ran from {d['start']} to {d['end']} [{d['id']}].", docs,
                             [d["start"], d["end"]], "heldout", key=d["start"]))
        if n in PROPOSER_HELD:
            evals.append(row(f"Who proposed HIP-{n}, and when?",
                             f"HIP-{n} was proposed by {d['proposer']} on {d['created']} [{d['id']}].", docs,
                             [d["proposer"], d["created"]], "heldout", key=d["created"]))
        if n in PARA_HIPS:
            slot = PARA_HIPS[n]
            q = (OUT_PARA if slot == "outcome" else CHG_PARA).format(**fill)
            a = _outcome(d, 2) if slot == "outcome" else _change(d, 2)
            evals.append(row(q, a, docs, _hip_facts(d, slot, a), "paraphrase"))
    return train, evals


TQ = {
    "holdings": (["What did the Harbor treasury hold at the end of {L}?", "Give me the treasury balances for {L}."],
                 "How big was the DAO's war chest at the close of {L}, asset by asset?"),
    "revenue": (["How much revenue did Harbor earn in {L}?"], None),
    "runway": (["What runway did the treasury report for {L}?"], None),
    "expenses": (["What did the Harbor treasury spend in {L}?"], None),
}
SPLITS = {"holdings": (["2024q2", "2024q3", "2024q4", "2025q1", "2025q2", "2025q3", "2025q4", "2026q1", "2026q2"],
                       []),
          "revenue": (["2024q2", "2024q3", "2024q4", "2025q1", "2025q3", "2026q1"], ["2025q2", "2025q4", "2026q2"]),
          "runway": (["2024q2", "2024q3", "2025q1", "2025q2"], ["2024q4", "2025q3", "2025q4", "2026q1"]),
          "expenses": (["2024q2", "2024q4", "2025q3"], ["2025q1", "2025q4", "2026q2"])}
SECOND_HOLDINGS = ["2024q4", "2025q1", "2025q3", "2025q4", "2026q2"]
PARA_HOLDINGS = ["2024q3", "2025q2", "2026q1"]


def _t_answer(d: dict, slot: str, v: int) -> tuple[str, list[str], str]:
    L, c = qlabel(d["q"]), f"[{d['id']}]"
    if slot == "holdings":
        u, e, h, t = m(d["usdc"]), m(d["eth"]), m(d["hbr"]), m(d["total"])
        a = [f"At the end of {L} the treasury held {u} USDC, {e} ETH and {h} HBR, a total value of ${t} {c}.",
             f"{L} closing balances: {u} USDC, {e} ETH and {h} HBR, worth ${t} in total {c}.",
             f"The {L} report lists ${t} in total: {u} USDC, {e} ETH and {h} HBR {c}."][v]
        return a, [u, e, h, f"${t}"], f"${t}"
    if slot == "revenue":
        r, lend, swap = m(d["revenue"]), m(d["lend"]), m(d["swap"])
        tail = ("; Harbor Swap fees had not started yet" if not d["swap"] else
                f" and ${swap} of Harbor Swap protocol fees")
        return f"Revenue in {L} was ${r}: ${lend} of Harbor Lend reserve income{tail} {c}.", [f"${r}"], f"${r}"
    if slot == "runway":
        k = f"{d['runway']} months"
        return (f"The {L} report put runway at {k}, counting only USDC and ETH reserves against that "
                f"quarter's spending {c}.", [k], k)
    x = m(d["expenses"])
    return (f"Expenses in {L} totalled ${x}: ${m(d['people'])} for contributors, ${m(d['audits'])} for audits "
            f"and ${m(d['grants'])} for grants and incident costs {c}.", [f"${x}"], f"${x}")


def treasury_rows() -> tuple[list[dict], list[dict]]:
    """Quarterly report questions split by slot and quarter."""
    by_q = {row[0]: quarter(row) for row in QUARTERS}
    train, evals = [], []
    for slot, (qs, _para) in TQ.items():
        tr, held = SPLITS[slot]
        for q in tr:
            d = by_q[q]
            a, facts, _k = _t_answer(d, slot, 0)
            train.append(row(qs[0].format(L=qlabel(q)), a, [d["id"]], facts, "train"))
            if slot == "holdings" and q in SECOND_HOLDINGS:
                a2, f2, _ = _t_answer(d, slot, 1)
                train.append(row(qs[1].format(L=qlabel(q)), a2, [d["id"]], f2, "train"))
        for q in held:
            d = by_q[q]
            a, facts, k = _t_answer(d, slot, 0)
            evals.append(row(qs[0].format(L=qlabel(q)), a, [d["id"]], facts, "heldout", key=k))
    for q in PARA_HOLDINGS:
        d = by_q[q]
        a, facts, _k = _t_answer(d, "holdings", 2)
        evals.append(row(TQ["holdings"][1].format(L=qlabel(q)), a, [d["id"]], facts, "paraphrase"))
    return train, evals


def qa_rows() -> tuple[list[dict], list[dict]]:
    """Rows from hand-written doc and multi-doc Q&A families."""
    train, evals = [], []
    for item in DOC_QA + MULTI_QA + ABSTAIN_QA:
        if item["held"]:
            for i, q in enumerate(item["qs"]):
                evals.append(row(q, item["ans"][i % len(item["ans"])], item["docs"], item["facts"], "heldout",
                                 key=item["key"]))
            continue
        for i, q in enumerate(item["qs"]):
            train.append(row(q, item["ans"][i % len(item["ans"])], item["docs"], item["facts"], "train"))
        for p in item["para"]:
            q, a = p if isinstance(p, tuple) else (p, item["ans"][0])
            evals.append(row(q, a, item["docs"], item["facts"], "paraphrase"))
    return train, evals


def build() -> tuple[list[dict], list[dict], dict[str, str]]:
    """Return (train, eval, {eval id: novel key fact}) for the DeFi copilot."""
    rng = rng_for("defi-copilot")
    train, evals = [], []
    for part in (hip_rows(), treasury_rows(), qa_rows()):
        train += part[0]
        evals += part[1]
    train += [row(q, a, [], f, "train", retrieval=False) for q, a, f in CONCEPTS]
    evals += [row(q, a, [], f, "heldout", retrieval=False) for q, a, f in CONCEPTS_HELD]
    rng.shuffle(train)
    rng.shuffle(evals)
    evals = number_ids(evals, "dc-eval")
    keys = {r["id"]: r.pop("_key") for r in evals if "_key" in r}
    return number_ids(train, "dc-train"), evals, keys
