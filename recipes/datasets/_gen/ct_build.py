"""Build contract-triage rows: shape registry, sampling, labels and near-dup control."""

from __future__ import annotations

import json

from . import ct_shapes_a as A
from . import ct_shapes_b as B
from . import ct_shapes_c as C
from . import ct_shapes_d as D
from .checks import jaccard, shingles
from .common import msg, number_ids, rng_for
from .ct_names import HELD_DOMAINS, PARA_DOMAINS, TRAIN_DOMAINS, pick_names
from .ct_render import render

SYSTEM = (
    "You triage Solidity code for security risk. Reply with only one JSON object with the keys "
    "risk_family (reentrancy|access_control|unchecked_external_call|integer_overflow|"
    "oracle_manipulation|tx_origin_auth|delegatecall_injection|none), severity "
    "(none|low|medium|high|critical), attack_surface (external_call|privileged_function|arithmetic|"
    "price_feed|authentication|proxy_call|none) and explanation (at most 200 characters). "
    "No text outside the JSON."
)
SURFACE = {"reentrancy": "external_call", "access_control": "privileged_function",
           "unchecked_external_call": "external_call", "integer_overflow": "arithmetic",
           "oracle_manipulation": "price_feed", "tx_origin_auth": "authentication",
           "delegatecall_injection": "proxy_call", "none": "none"}
ALL = list(TRAIN_DOMAINS)
FUNDS = ["vault", "staking", "dao", "lending", "auction"]
DEFI = ["lending", "vault", "dao", "staking"]
TOKENISH = ["vault", "staking", "dao", "lending"]

# (shape, family, severity, train domains, train rows)
TRAIN_SHAPES = [
    (A.re_zero_after, "reentrancy", "critical", FUNDS, 17),
    (A.re_claim_rewards, "reentrancy", "high", ["staking", "vault", "dao", "lending", "nft"], 13),
    (A.re_refund, "reentrancy", "critical", ["auction", "nft", "lending"], 11),
    (A.re_mint_cap, "reentrancy", "medium", ["nft", "dao", "staking"], 10),
    (A.ac_takeover, "access_control", "critical", ALL, 11),
    (A.ac_mint, "access_control", "critical", DEFI, 10),
    (A.ac_param, "access_control", "high", FUNDS, 11),
    (A.ac_pause, "access_control", "medium", FUNDS, 9),
    (A.ac_uri, "access_control", "low", ["nft"], 7),
    (B.uc_send_zeroed, "unchecked_external_call", "high", FUNDS, 11),
    (B.uc_call_ignored, "unchecked_external_call", "high", FUNDS, 11),
    (B.uc_erc20_transfer, "unchecked_external_call", "high", FUNDS, 11),
    (B.uc_fee_forward, "unchecked_external_call", "medium", FUNDS, 10),
    (B.uc_notify, "unchecked_external_call", "low", FUNDS, 9),
    (B.io_underflow_transfer, "integer_overflow", "critical", TOKENISH, 11),
    (B.io_batch_mul, "integer_overflow", "critical", TOKENISH, 10),
    (B.io_locktime, "integer_overflow", "high", DEFI, 10),
    (B.io_unchecked_block, "integer_overflow", "critical", TOKENISH, 11),
    (B.io_counter_wrap, "integer_overflow", "medium", ["nft", "auction", "staking"], 9),
    (C.or_borrow_spot, "oracle_manipulation", "critical", ["lending", "vault", "dao"], 14),
    (C.or_mint_ratio, "oracle_manipulation", "high", ["vault", "staking", "dao"], 12),
    (C.or_liquidate_spot, "oracle_manipulation", "critical", ["lending", "vault"], 12),
    (C.or_bonus_spot, "oracle_manipulation", "medium", ["staking", "nft", "dao", "vault"], 10),
    (B.to_withdraw, "tx_origin_auth", "high", ALL, 12),
    (B.to_modifier_param, "tx_origin_auth", "medium", ALL, 12),
    (B.to_mint_map, "tx_origin_auth", "high", ALL, 10),
    (B.to_ownership, "tx_origin_auth", "high", ALL, 12),
    (C.dc_execute, "delegatecall_injection", "critical", DEFI + ["nft"], 16),
    (C.dc_multicall, "delegatecall_injection", "critical", DEFI + ["auction"], 16),
    (C.dc_strategy, "delegatecall_injection", "critical", ["vault", "staking", "dao"], 14),
    (D.safe_cei, "none", "none", FUNDS, 9),
    (D.safe_guard, "none", "none", FUNDS, 9),
    (D.safe_ownable, "none", "none", ALL, 8),
    (D.safe_roles, "none", "none", ["dao", "staking", "vault", "nft"], 8),
    (D.safe_checked_call, "none", "none", FUNDS, 8),
    (D.safe_erc20, "none", "none", FUNDS, 8),
    (D.safe_safemath, "none", "none", TOKENISH, 8),
    (D.safe_twap, "none", "none", ["lending", "vault", "staking"], 7),
    (D.safe_chainlink, "none", "none", ["lending", "vault", "staking"], 7),
    (D.safe_sender_auth, "none", "none", ALL, 8),
    (D.safe_unchecked_loop, "none", "none", FUNDS, 7),
    (D.safe_proxy, "none", "none", DEFI, 7),
    (D.safe_initializer, "none", "none", ALL, 7),
]
HELD = list(HELD_DOMAINS)
HELD_SHAPES = [
    (A.ac_initializer, "access_control", "critical", 4), (A.ac_soft_modifier, "access_control", "critical", 4),
    (B.uc_free_credit, "unchecked_external_call", "critical", 4),
    (B.uc_queue_exec, "unchecked_external_call", "high", 3),
    (B.io_price_mul, "integer_overflow", "critical", 4), (B.io_downcast, "integer_overflow", "high", 3),
    (C.or_slot0, "oracle_manipulation", "critical", 4), (C.or_amounts_out, "oracle_manipulation", "high", 4),
    (B.to_dao_execute, "tx_origin_auth", "high", 4), (B.to_pause_guard, "tx_origin_auth", "medium", 3),
    (C.dc_user_hook, "delegatecall_injection", "critical", 4),
    (C.dc_actions, "delegatecall_injection", "critical", 4),
    (D.safe_pull, "none", "none", 4), (D.safe_merkle, "none", "none", 4), (D.safe_timelock, "none", "none", 4),
]
# Held-out reentrancy shapes reuse train shapes only in held-out domains (new contexts).
HELD_REUSE = [(A.re_zero_after, "reentrancy", "critical", 4), (A.re_claim_rewards, "reentrancy", "high", 3)]


def answer(family: str, severity: str, why: str) -> str:
    """Compact JSON answer with keys in schema order."""
    obj = {"risk_family": family, "severity": severity, "attack_surface": SURFACE[family], "explanation": why}
    return json.dumps(obj, separators=(",", ":"))


def make_row(code: str, family: str, severity: str, why: str, kind: str) -> dict:
    """One chat row plus label metadata."""
    user = f"Triage this contract:\n```solidity\n{code}\n```"
    return {"messages": [msg("system", SYSTEM), msg("user", user), msg("assistant", answer(family, severity, why))],
            "meta": {"risk_family": family, "severity": severity, "attack_surface": SURFACE[family],
                     "split_kind": kind}}


class Sampler:
    """Rejection-samples snippets so no two accepted codes in a domain are near duplicates."""

    def __init__(self, limit: float = 0.7):
        self.limit = limit
        self.by_domain: dict[str, list[frozenset]] = {}
        self.seen: set[str] = set()

    def accept(self, keys: tuple[str, ...], code: str, others: list[frozenset] = ()) -> bool:
        """Accept code if it is new and dissimilar to earlier codes sharing a key."""
        if code in self.seen:
            return False
        sh = shingles(code)
        pools = [self.by_domain.setdefault(k, []) for k in keys]
        if any(jaccard(sh, o) >= self.limit for pool in pools + [list(others)] for o in pool):
            return False
        for pool in pools:
            pool.append(sh)
        self.seen.add(code)
        return True


def _emit(sampler, shape, family, severity, domains, count, pools, rng, kind, alt, para, others=()):
    rows, tries = [], 0
    while len(rows) < count:
        tries += 1
        if tries > count * 60:
            raise RuntimeError(f"could not sample {count} distinct rows for {shape.__name__}")
        dom = domains[len(rows) % len(domains)] if tries <= count else rng.choice(domains)
        n = pick_names(dom, pools, rng)
        spec = shape(n, rng, alt)
        code = render(n, spec, rng, para=para)
        if not 8 <= len(code.splitlines()) <= 40 or len(spec["why"]) > 200:
            continue
        if sampler.accept((dom, shape.__name__), code, others):
            rows.append(make_row(code, family, severity, spec["why"], kind))
    return rows


def build() -> tuple[list[dict], list[dict]]:
    """Return (train, eval) rows for contract triage."""
    rng = rng_for("contract-triage")
    sampler = Sampler()
    train = []
    for shape, fam, sev, doms, count in TRAIN_SHAPES:
        train += _emit(sampler, shape, fam, sev, doms, count, TRAIN_DOMAINS, rng, "train", False, False)
    train_sh = [shingles(r["messages"][1]["content"]) for r in train]
    evals = []
    for shape, fam, sev, count in HELD_SHAPES + HELD_REUSE:
        evals += _emit(sampler, shape, fam, sev, HELD, count, HELD_DOMAINS, rng, "heldout", False, False)
    for i, (shape, fam, sev, doms, _count) in enumerate(TRAIN_SHAPES):
        para_doms = [d for d in doms if d in PARA_DOMAINS]
        evals += _emit(sampler, shape, fam, sev, para_doms, 1 + (i % 3 == 0), PARA_DOMAINS, rng,
                       "paraphrase", True, True, others=train_sh)
    rng.shuffle(train)
    rng.shuffle(evals)
    return number_ids(train, "ct-train"), number_ids(evals, "ct-eval")
