"""The synthetic-pair checks one by one: each drop reason on a pair made to fail it, and clean pairs kept."""

from __future__ import annotations

import random

from ftflow_plugins.data.synthetic import answer_spans, label_examples, parse_label, sentences
from ftflow_plugins.data.synthetic_checks import (
    Deduper,
    FilterConfig,
    common_words,
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
    # A small teacher's preambles and quotes around the question are dropped; a '?' line without a question
    # word (a statement with a question mark, a cut fragment) is no question.
    assert parse_question('What a delightful question! How about this: "What is a custom network?') == \
        "What is a custom network?"
    assert parse_question("The customer's question is: \"What changed in version 3.5?\"") == "What changed in version 3.5?"
    assert parse_question("A customer wants to know how to use Lumen Wallet 3.7?") is None
    assert parse_question("Settings > About) and your device?") is None


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
                  min_grounding=0.0, min_shared_words=0) is None
    # A copied answer the teacher's question is not about: no content word in common.
    assert reason({"question": "Which networks does the wallet support today?"}) == "off_topic"
    assert reason({"question": "Which networks does the wallet support today?"}, min_shared_words=0) is None
    # A word in most passages (the product's name) ties nothing: it does not count as shared.
    lumen = {"question": "How do I install Lumen on a new phone?", "answer": "Lumen Wallet charges no fee for swaps."}
    assert reason(lumen) is None
    common = common_words([PASSAGE, "Lumen runs on phones.", "Swaps in Lumen."], 0.4)
    assert common == {"lumen", "swap"}
    assert single_check({**GOOD, **lumen}, FilterConfig(), is_refusal, common)[0] == "off_topic"


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


def test_answer_spans_are_whole_sentences_copied_from_the_passage():
    passage = ("the window cut this one. 1. Install Lumen Wallet from the App Store. 2. Tap **Create new wallet**. "
               "3. Write down the 12-word recovery phrase on paper, in order. - Never type it into a website "
               "or a chat. Steps: and a cut tail without a stop")
    assert sentences(passage) == ["Install Lumen Wallet from the App Store.", "Tap Create new wallet.",
                                  "Write down the 12-word recovery phrase on paper, in order.",
                                  "Never type it into a website or a chat."]
    assert answer_spans(passage, 2) == [
        "Install Lumen Wallet from the App Store. Tap Create new wallet.",  # a short sentence takes the next
        "Tap Create new wallet. Write down the 12-word recovery phrase on paper, in order.",
        "Write down the 12-word recovery phrase on paper, in order.", "Never type it into a website or a chat."]
    assert answer_spans(passage, 1) == ["Write down the 12-word recovery phrase on paper, in order.",
                                        "Never type it into a website or a chat."]
    assert all(grounding(span, passage) == 1.0 for span in answer_spans(passage, 2))


def test_label_examples_show_train_questions_of_every_label():
    labelled = [("How much is a swap?", "fees"), ("Is my phrase safe?", "security"), ("What is gas?", "fees")]
    text = label_examples(labelled, ["fees", "security"], 1, random.Random(0))
    assert text.count("Question: ") == 2 and "Topic: fees\n\n" in text and "Is my phrase safe?\nTopic: security" in text
    assert label_examples(labelled, ["fees"], 0, random.Random(0)) == ""
