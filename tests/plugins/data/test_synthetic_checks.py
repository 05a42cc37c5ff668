"""The synthetic-pair checks one by one: each drop reason on a pair made to fail it, and clean pairs kept."""

from __future__ import annotations

from ftflow_plugins.data.synthetic import parse_label
from ftflow_plugins.data.synthetic_checks import (
    Deduper,
    FilterConfig,
    foreign_numbers,
    grounding,
    label_check,
    parse_question,
    single_check,
)
from ftflow_plugins.evaluate.task_metrics import is_refusal

PASSAGE = ("Lumen Wallet charges no fee for swaps under 50 USD. Larger swaps pay 0.3% to the liquidity provider. "
           "Open Swap, pick the two tokens and confirm with your PIN.")
GOOD = {"question": "How much does a large swap cost in Lumen Wallet?",
        "answer": "Swaps above 50 USD pay 0.3% to the liquidity provider; smaller swaps have no fee.",
        "passage": PASSAGE}


def reason(candidate: dict, **overrides) -> str | None:
    verdict = single_check({**GOOD, **candidate}, FilterConfig(**overrides), is_refusal)
    return verdict[0] if verdict else None


def test_parse_question_takes_the_first_question_line():
    assert parse_question('1. "How do I swap tokens?"\n2. Another?') == "How do I swap tokens?"
    assert parse_question("Sure! Here it is:\nQuestion: What is the swap fee?") == "What is the swap fee?"
    assert parse_question("Text:\nSwaps under 50 USD are free.") is None  # a restatement, not a question
    assert parse_question("  \n ") is None


def test_a_grounded_pair_passes_and_each_check_drops_its_case():
    assert reason({}) is None
    assert reason({"question": None}) == "unparsed"
    assert reason({"truncated": True}) == "truncated"
    assert reason({"question": "Swap fee?"}) == "length"
    assert reason({"answer": "No."}) == "length"
    assert reason({"answer": "I can't help with that, please contact support instead."}) == "refusal"
    assert reason({"answer": "Bridging to Solana takes twelve minutes and costs gas on both chains."}) == "ungrounded"
    assert reason({"answer": "Swaps above 50 USD pay 0.5% to the liquidity provider."}) == "ungrounded"  # a new number
    assert reason({"answer": "Swaps above 50 USD pay 0.5% to the liquidity provider."}, numbers_in_passage=False) is None
    assert reason({"answer": "I can't help with that, please contact support instead."}, drop_refusals=False,
                  min_grounding=0.0) is None


def test_grounding_and_numbers():
    assert grounding(GOOD["answer"], PASSAGE) == 0.9  # "smaller" is the one content word not in it
    assert grounding("The moon is made of cheese", PASSAGE) == 0.0
    assert foreign_numbers("It costs 0.3% above 50 USD, or 1,000 sats", PASSAGE) == ["1,000"]


def test_labels_must_be_valid_and_agree_with_the_nearest_train_question():
    labelled = [("How much does a token swap cost?", "fees"), ("How do I back up my recovery phrase?", "security")]
    labels = ["fees", "security"]
    assert label_check("fees", "How much does a token swap cost me?", labels, labelled, 0.5) is None
    assert label_check("Fees!", "How much is a swap?", labels, labelled, 0.5)[0] == "label_invalid"
    assert label_check("security", "How much does a token swap cost me?", labels, labelled, 0.5)[0] == \
        "label_inconsistent"
    assert label_check("security", "Is my phrase safe offline?", labels, labelled, 0.5) is None  # no near neighbour
    assert parse_label("Topic: network switching.", ["fees", "network_switching"]) == "network_switching"
    assert parse_label("It is about FEES", ["fees", "security"]) == "fees"
    assert parse_label("no idea", ["fees"]) is None


def test_dedupe_against_eval_train_and_kept_pairs():
    deduper = Deduper(["How do I switch to the Polygon network in the app?"],
                      ["What does error E-1203 mean when I send tokens?"], threshold=0.7)
    assert deduper.check("what does error E-1203 mean when I send tokens")[0] == "duplicate_eval"
    assert deduper.check("How do I switch to the Polygon network in the app today?")[0] == "duplicate_train"
    assert deduper.check("Where can I see my swap history in Lumen Wallet?") is None
    assert deduper.check("Where can I see my swap history in Lumen Wallet?")[0] == "duplicate"
    assert deduper.check("Can I cancel a pending transaction on Ethereum?") is None
