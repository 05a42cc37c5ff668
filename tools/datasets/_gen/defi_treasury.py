"""Harbor DAO quarterly treasury reports: figures and markdown rendering."""

from __future__ import annotations

# quarter, published, USDC, ETH, HBR, total USD, lending income, swap fees, contributors, audits,
# grants, runway months, ETH price used, notes
QUARTERS = [
    ("2024q2", "2024-07-15", 4200000, 1150, 32000000, 41800000, 620000, 0, 840000, 310000, 200000, 31, 3410,
     ["Harbor Lend went live on Ethereum on 2024-03-28; this is the first full quarter of lending income.",
      "Liquidity mining under HIP-4 started in May and is paid from its own allocation, not the treasury.",
      "Audit spend covers Keelhaul Audits' review of Harbor Swap."]),
    ("2024q3", "2024-10-14", 4900000, 1150, 31400000, 38900000, 910000, 0, 880000, 150000, 450000, 33, 2600,
     ["HIP-7, a proposal to sell 3,000,000 HBR, was defeated, so the treasury stays HBR-heavy.",
      "The airdrop claim window closed on 2024-09-28; 1,130,000 unclaimed HBR returned to the treasury.",
      "The fee switch (HIP-8) was approved and takes effect on 2024-10-01."]),
    ("2024q4", "2025-01-13", 6100000, 1420, 30600000, 47300000, 1240000, 830000, 910000, 290000, 420000, 38,
     3350, ["First quarter of Harbor Swap protocol fees at 1/6 of LP fees.",
            "Harbor launched on Arbitrum One on 2024-12-16 (HIP-11); audit spend covers that deployment.",
            "270 ETH was bought with USDC to rebalance toward ETH."]),
    ("2025q1", "2025-04-14", 7400000, 1420, 29900000, 44600000, 1380000, 1120000, 950000, 120000, 827600, 36,
     1820, ["On 2025-03-11 the HBR oracle incident left 412,600 USDC of bad debt, repaid from the treasury.",
            "Grants spending includes the first 415,000 USDC of 2025 grants.",
            "HIP-14 hardened the oracle configuration after the incident."]),
    ("2025q2", "2025-07-14", 8200000, 1610, 29100000, 49900000, 1510000, 1360000, 990000, 260000, 690000, 41,
     2480, ["Safety Module approved under HIP-17; its audit by Fathom Security is included here.",
            "Liquidity mining fell to 500,000 HBR per month on 2025-06-01 (HIP-16).",
            "190 ETH was added from swap fees collected in ETH."]),
    ("2025q3", "2025-10-13", 9600000, 1610, 28500000, 53200000, 1720000, 1580000, 1020000, 90000, 940000, 44,
     4150, ["Safety Module went live on 2025-07-01 with 250,000 HBR per month in rewards.",
            "HIP-18 (fee switch to 1/5) was defeated; the protocol share stays at 1/6.",
            "Bug bounty ceiling raised to $1,000,000 under HIP-19; no critical payouts so far."]),
    ("2025q4", "2026-01-12", 10300000, 1800, 27800000, 55700000, 1800000, 1640000, 1060000, 180000, 980000,
     45, 3300, ["Guardian mandate extended to 2026-12-31 (HIP-20).",
                "USDC rate model updated by HIP-21 in December.",
                "2025 grants closed at 1,640,000 USDC of the 2,000,000 USDC budget, 18% under."]),
    ("2026q1", "2026-04-13", 11500000, 1800, 27200000, 58400000, 1950000, 1870000, 1110000, 340000, 960000,
     47, 3480, ["Harbor launched on Base on 2026-03-02 (HIP-22); Brinewater Labs audited the deployment.",
                "HIP-23 (HBR buyback) failed to reach quorum.",
                "A 95,000 USDC high-severity bug bounty was paid for a Harbor Swap rounding issue."]),
    ("2026q2", "2026-07-13", 12600000, 2050, 26700000, 61900000, 2080000, 2020000, 1150000, 110000, 1090000,
     52, 3720, ["2026 grants budget of 1,500,000 USDC approved under HIP-24.",
                "Base contributed 14% of lending income in its first full quarter.",
                "250 ETH was added, bringing ETH holdings to 2,050."]),
]


def qid(q: str) -> str:
    """treasury-2025q3 style document id."""
    return f"treasury-{q}"


def qlabel(q: str) -> str:
    """2025q3 -> Q3 2025."""
    return f"Q{q[-1]} {q[:4]}"


def m(v: int) -> str:
    """Dollar/unit amount with thousands separators."""
    return f"{v:,}"


def record(row) -> dict:
    """Named view of one quarter."""
    keys = ["q", "published", "usdc", "eth", "hbr", "total", "lend", "swap", "people", "audits", "grants",
            "runway", "eth_px", "notes"]
    d = dict(zip(keys, row, strict=True))
    d["revenue"] = d["lend"] + d["swap"]
    d["expenses"] = d["people"] + d["audits"] + d["grants"]
    d["runway"] = int((d["usdc"] + d["eth"] * d["eth_px"]) / (d["expenses"] / 3))
    d["id"] = qid(d["q"])
    return d


def treasury_doc(row) -> dict:
    """Render one quarterly report."""
    d = record(row)
    label = qlabel(d["q"])
    text = "\n".join([
        f"Harbor DAO treasury report for {label}, published {d['published']} by the Ops Council. Figures "
        f"are end-of-quarter balances of the treasury multisig; ETH is valued at ${m(d['eth_px'])}.", "",
        "## Holdings", "| Asset | Amount |", "| --- | --- |", f"| USDC | {m(d['usdc'])} |",
        f"| ETH | {m(d['eth'])} |", f"| HBR | {m(d['hbr'])} |", "",
        f"Total treasury value: ${m(d['total'])}.", "",
        "## Revenue", f"- Harbor Lend reserve income: ${m(d['lend'])}",
        f"- Harbor Swap protocol fees: ${m(d['swap'])}", f"- Total revenue: ${m(d['revenue'])}", "",
        "## Expenses", f"- Contributors: ${m(d['people'])}", f"- Audits: ${m(d['audits'])}",
        f"- Grants and incident costs: ${m(d['grants'])}", f"- Total expenses: ${m(d['expenses'])}", "",
        "## Runway",
        f"Ignoring revenue and HBR holdings, the USDC and ETH reserves would cover {d['runway']} months "
        "of expenses at this quarter's spending rate.", "",
        "## Notable items", *[f"- {x}" for x in d["notes"]], "",
        "## Method",
        "Balances are read on-chain at the last block of the quarter. HBR is reported in units and valued at "
        "the 30-day average price for the total only. Part of contributor pay and Safety Module rewards is "
        "paid in HBR from the treasury. Revenue is recognised when it reaches the treasury "
        "multisig, not when it accrues in the contracts.",
    ])
    return {"id": d["id"], "title": f"Treasury report {label}", "kind": "treasury_report",
            "text": text + "\n", "updated": d["published"]}
