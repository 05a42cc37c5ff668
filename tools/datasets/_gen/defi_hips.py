"""Harbor Finance governance proposals (HIP-1..HIP-24): facts and document rendering."""

from __future__ import annotations

from datetime import date, timedelta

# num, title, created, proposer, status, for, against, abstain, summary (verb phrase), spec bullets,
# key facts (strings that appear in summary/spec), motivation
HIPS = [
    (1, "Ratify the Harbor Constitution", "2024-03-04", "Harbor Labs", "Executed", 18240500, 402300, 96000,
     "adopted the Harbor Constitution, created a 4-of-7 Emergency Guardian multisig and set a 48-hour timelock",
     ["Adopt Harbor Constitution v1.0", "Create the Emergency Guardian, a 4-of-7 multisig that can pause "
      "markets but cannot move funds", "Set the governance timelock to 48 hours"],
     ["4-of-7", "48-hour"], "Harbor needed a written framework and an emergency brake before any contract "
     "held user funds. The constitution limits the guardian to pausing and leaves every other power with "
     "veHBR holders."),
    (2, "Launch Harbor Lend v1", "2024-03-11", "Harbor Labs", "Executed", 21530900, 1104200, 210000,
     "launched Harbor Lend with ETH, USDC and DAI markets",
     ["ETH market: LTV 80%, liquidation threshold 82.5%, bonus 5%, reserve factor 15%",
      "USDC market: LTV 82%, liquidation threshold 86%, bonus 4.5%, reserve factor 10%",
      "DAI market: LTV 77%, liquidation threshold 82%, bonus 5%, reserve factor 10%"],
     ["eth, usdc and dai", "ltv 80%"], "Lending is the core product of the Harbor roadmap. Starting with three deep, "
     "well-understood assets keeps risk low while the oracle and liquidation system is proven."),
    (3, "Set Harbor Swap fee tiers", "2024-04-08", "Harbor Labs", "Executed", 16880000, 512700, 0,
     "set Harbor Swap's fee tiers at 0.05%, 0.30% and 1.00%, with 0.30% as the default",
     ["Fee tiers 0.05%, 0.30% and 1.00%", "Default tier for new pools: 0.30%",
      "All fees go to liquidity providers until a fee switch is approved"],
     ["0.05%", "1.00%"], "Pools need fee levels that match how volatile their pairs are. Three tiers cover "
     "stable, standard and exotic pairs without fragmenting liquidity."),
    (4, "Liquidity mining programme", "2024-04-29", "Gull Capital", "Executed", 14310250, 3920800, 450000,
     "started liquidity mining at 1,000,000 HBR per month, 60% to Harbor Swap LPs and 40% to Harbor Lend "
     "suppliers",
     ["Emit 1,000,000 HBR per month from the liquidity-mining allocation",
      "Split: 60% Harbor Swap LPs, 40% Harbor Lend suppliers", "Runs until changed by governance"],
     ["1,000,000 hbr", "60%"], "New markets need liquidity to be useful. Incentives are paid from the 22% "
     "liquidity-mining allocation, so they do not touch the treasury."),
    (5, "Add a WBTC market", "2024-05-20", "Tidewatch Risk", "Executed", 12905300, 880100, 120000,
     "added a WBTC market with 70% LTV, a 75% liquidation threshold and a 4,000 WBTC supply cap",
     ["LTV 70%, liquidation threshold 75%, liquidation bonus 6.5%", "Reserve factor 20%",
      "Supply cap 4,000 WBTC"], ["70%", "4,000 wbtc"],
     "WBTC was the most requested collateral. Conservative parameters reflect its custodial bridge risk."),
    (6, "Add a wstETH market", "2024-06-10", "Tidewatch Risk", "Executed", 13442000, 610500, 95000,
     "added a wstETH market with 72% LTV, a 78% liquidation threshold and a 60,000 wstETH cap",
     ["LTV 72%, liquidation threshold 78%, liquidation bonus 6%", "Reserve factor 15%",
      "Supply cap 60,000 wstETH"], ["72%", "60,000 wsteth"],
     "Staked ETH lets suppliers earn staking yield on collateral. Parameters sit slightly below ETH's "
     "because of withdrawal-queue liquidity risk."),
    (7, "Treasury diversification: sell 3,000,000 HBR", "2024-07-01", "marlin.eth", "Defeated", 6118400,
     9804700, 300000, "proposed selling 3,000,000 HBR for USDC through TWAP orders over 90 days",
     ["Sell 3,000,000 HBR for USDC", "Execute through TWAP orders over 90 days",
      "Hold proceeds in the treasury's USDC reserve"], ["3,000,000 hbr", "90 days"],
     "Most of the treasury was held in HBR, so a market downturn would shorten the runway. Opponents argued "
     "the sale would pressure the price during a thin market."),
    (8, "Activate the Harbor Swap fee switch", "2024-09-09", "Anchor Research", "Executed", 15770300,
     4205600, 0, "turned on the Harbor Swap fee switch, sending 1/6 of LP fees to the treasury from "
     "2024-10-01", ["Protocol fee: 1/6 of all LP fees", "Effective 2024-10-01",
                    "Fees accrue to the treasury multisig"], ["1/6", "2024-10-01"],
     "Harbor Swap volume had grown enough to fund the DAO without hurting LP returns much. The fee share "
     "matches what comparable exchanges charge."),
    (9, "Lower the proposal threshold", "2024-09-30", "keelhaul.eth", "Executed", 11204000, 2980500, 150000,
     "lowered the proposal threshold from 250,000 to 150,000 veHBR",
     ["Proposal threshold: 250,000 veHBR -> 150,000 veHBR", "No change to quorum or voting period"],
     ["250,000", "150,000 vehbr"], "Only eleven addresses could submit proposals. A lower bar lets more "
     "delegates take part while still filtering spam."),
    (10, "Fund the 2025 grants programme", "2024-10-28", "Grants Committee", "Executed", 12650800, 1420000,
     300000, "funded the 2025 grants programme with 2,000,000 USDC and a 150,000 USDC cap per grant",
     ["Budget: 2,000,000 USDC for calendar year 2025", "Maximum single grant: 150,000 USDC",
      "Five-member Grants Committee approves grants"], ["2,000,000 usdc", "150,000 usdc"],
     "Builders asked for a predictable funding source. A yearly budget with a per-grant cap keeps spending "
     "visible to voters."),
    (11, "Deploy Harbor on Arbitrum One", "2024-11-25", "Harbor Labs", "Executed", 17002600, 655000, 80000,
     "approved deploying Harbor Lend and Harbor Swap on Arbitrum One, which launched on 2024-12-16",
     ["Deploy Harbor Lend and Harbor Swap to Arbitrum One", "Launch target: 2024-12-16",
      "Same risk parameters as Ethereum for ETH and USDC"], ["arbitrum one", "2024-12-16"],
     "Many users had moved to layer 2 for lower fees. Arbitrum One had the deepest liquidity for Harbor's "
     "core assets."),
    (12, "List HBR as collateral", "2025-01-06", "Gull Capital", "Executed", 7912400, 6604100, 510000,
     "listed HBR as collateral on Harbor Lend with 40% LTV, a 50% liquidation threshold and a 5,000,000 HBR "
     "cap", ["LTV 40%, liquidation threshold 50%, liquidation bonus 10%", "Reserve factor 25%",
             "Supply cap 5,000,000 HBR"], ["40%", "5,000,000 hbr"],
     "Holders wanted to borrow against HBR. Critics warned that a governance token with thin liquidity "
     "is hard to price safely, which is why the vote was close."),
    (13, "Raise wstETH LTV", "2025-02-03", "Tidewatch Risk", "Executed", 12118900, 905300, 60000,
     "raised wstETH's LTV from 72% to 75%, its liquidation threshold from 78% to 80% and its cap to "
     "80,000 wstETH", ["LTV 72% -> 75%", "Liquidation threshold 78% -> 80%",
                       "Supply cap 60,000 -> 80,000 wstETH"], ["75%", "80,000 wsteth"],
     "Eight months of data showed wstETH tracking ETH closely, and the cap had been full for six weeks."),
    (14, "Oracle hardening after the March 2025 incident", "2025-03-17", "Tidewatch Risk", "Executed",
     19880200, 120400, 0, "lengthened the TWAP fallback window from 10 to 30 minutes, set a 2% deviation "
     "threshold, allowed 100% close factor below health factor 0.95 and cut the HBR cap to 2,000,000 HBR",
     ["TWAP fallback window: 10 minutes -> 30 minutes", "Deviation threshold of 2% between Chainlink and TWAP",
      "Close factor 100% when health factor is below 0.95", "HBR supply cap 5,000,000 -> 2,000,000 HBR"],
     ["30 minutes", "2,000,000 hbr"], "On 2025-03-11 an attacker manipulated the short HBR TWAP and left "
     "412,600 USDC of bad debt. These changes close that path."),
    (15, "Raise quorum", "2025-04-14", "keelhaul.eth", "Executed", 9440600, 3310900, 200000,
     "raised the quorum from 4,000,000 to 5,000,000 veHBR",
     ["Quorum: 4,000,000 veHBR -> 5,000,000 veHBR", "Counted as for + against + abstain votes"],
     ["4,000,000", "5,000,000 vehbr"], "veHBR supply had grown by a third, so the old quorum no longer "
     "represented a meaningful share of voters."),
    (16, "Reduce liquidity mining", "2025-05-12", "Anchor Research", "Executed", 13260000, 2115400, 0,
     "cut liquidity mining from 1,000,000 to 500,000 HBR per month from 2025-06-01",
     ["Emissions: 1,000,000 -> 500,000 HBR per month", "Effective 2025-06-01", "Split unchanged (60/40)"],
     ["500,000 hbr", "2025-06-01"], "Fee revenue now attracts liquidity on its own, and lower emissions "
     "reduce sell pressure on HBR."),
    (17, "Launch the Safety Module", "2025-06-09", "Harbor Labs", "Executed", 16530700, 1020300, 330000,
     "launched the Safety Module, where staked HBR can be slashed by up to 30% to cover bad debt",
     ["Stakers deposit HBR; up to 30% can be slashed to cover a shortfall", "Cooldown before unstaking: 10 days",
      "Rewards: 250,000 HBR per month"], ["30%", "10 days"],
     "The March 2025 bad debt was paid from the treasury. A Safety Module makes HBR stakers the first line "
     "of cover instead."),
    (18, "Raise the fee switch to 1/5", "2025-08-04", "Anchor Research", "Defeated", 8402100, 10215800,
     100000, "proposed raising the protocol's share of Harbor Swap LP fees from 1/6 to 1/5",
     ["Protocol fee: 1/6 -> 1/5 of LP fees", "Effective 30 days after execution"], ["1/5"],
     "Supporters wanted faster treasury growth; LPs argued the change would push liquidity to competitors."),
    (19, "Increase the bug bounty", "2025-09-15", "Harbor Labs", "Executed", 14090000, 300200, 0,
     "raised the maximum bug bounty for critical issues from $500,000 to $1,000,000",
     ["Critical: up to $1,000,000 (was $500,000)", "High: up to $100,000", "Paid in USDC"],
     ["$1,000,000", "$500,000"], "Harbor's TVL had more than doubled since launch, and top researchers "
     "compare bounties across protocols."),
    (20, "Extend the guardian mandate", "2025-10-20", "Ops Council", "Executed", 12775500, 1640000, 250000,
     "extended the Emergency Guardian's mandate to 2026-12-31 and rotated two of its seven signers",
     ["Guardian mandate extended to 2026-12-31", "Rotate two of the seven signers",
      "Powers unchanged: pause only"], ["2026-12-31", "two of its seven"],
     "The original mandate ended with 2025. The guardian paused the HBR market within 38 minutes during "
     "the March incident, which supporters cited as proof of its value."),
    (21, "Update the USDC interest-rate model", "2025-12-01", "Tidewatch Risk", "Executed", 10980400,
     2204700, 0, "moved USDC's optimal utilisation from 90% to 92% and cut slope 2 from 60% to 50%",
     ["Optimal utilisation 90% -> 92%", "Slope 2: 60% -> 50%", "Base rate 0% and slope 1 4% unchanged"],
     ["92%", "50%"], "USDC utilisation sat above 90% for most of Q3 2025, making borrow rates spike. The "
     "new curve keeps rates calmer near the kink."),
    (22, "Deploy Harbor on Base", "2026-01-12", "Harbor Labs", "Executed", 15310200, 2870000, 140000,
     "approved deploying Harbor Lend and Harbor Swap on Base, which launched on 2026-03-02",
     ["Deploy Harbor Lend and Harbor Swap to Base", "Launch target: 2026-03-02",
      "Initial markets: ETH and USDC only"], ["base", "2026-03-02"],
     "Base had become the second-largest source of new users in Harbor's analytics."),
    (23, "HBR buyback with protocol revenue", "2026-03-02", "marlin.eth", "Defeated", 3905000, 610300, 0,
     "proposed using 25% of protocol revenue to buy back HBR each month",
     ["Allocate 25% of monthly protocol revenue to HBR buybacks", "Bought HBR held by the treasury"],
     ["25%"], "The proposer argued buybacks would align revenue with token holders. It failed because "
     "turnout stayed below the 5,000,000 veHBR quorum."),
    (24, "2026 grants budget", "2026-04-13", "Grants Committee", "Executed", 11440800, 1902000, 420000,
     "set the 2026 grants budget at 1,500,000 USDC with a 100,000 USDC cap per grant",
     ["Budget: 1,500,000 USDC for calendar year 2026", "Maximum single grant: 100,000 USDC",
      "Committee stays at five members"], ["1,500,000 usdc", "100,000 usdc"],
     "2025 grants under-spent by 18%, so the committee asked for a smaller budget with a lower cap."),
]


def hip_id(n: int) -> str:
    """hip-007 style document id."""
    return f"hip-{n:03d}"


def fmt(v: int) -> str:
    """Thousands-separated integer."""
    return f"{v:,}"


def timeline(created: str) -> tuple[str, str, str]:
    """(vote start, vote end, execution) dates: 3-day review, 5-day vote, 48-hour timelock."""
    c = date.fromisoformat(created)
    start, end = c + timedelta(days=3), c + timedelta(days=8)
    return start.isoformat(), end.isoformat(), (end + timedelta(days=2)).isoformat()


def quorum_at(created: str) -> int:
    """Quorum in force when the proposal was created (HIP-15 raised it)."""
    return 5_000_000 if created >= "2025-04-24" else 4_000_000


def record(h) -> dict:
    """Named view of one HIP tuple plus derived dates."""
    keys = ["n", "title", "created", "proposer", "status", "yes", "no", "abstain", "summary", "spec",
            "facts", "why"]
    d = dict(zip(keys, h, strict=True))
    d["start"], d["end"], d["exec"] = timeline(d["created"])
    d["id"] = hip_id(d["n"])
    d["quorum"] = quorum_at(d["created"])
    return d


def hip_doc(h) -> dict:
    """Render one proposal as a markdown document."""
    d = record(h)
    turnout = d["yes"] + d["no"] + d["abstain"]
    outcome = (f"Executed on {d['exec']} after the 48-hour timelock." if d["status"] == "Executed" else
               "Defeated: quorum was not reached." if turnout < d["quorum"] else "Defeated: more votes against.")
    text = "\n".join([
        f"**Status:** {d['status']}  ", f"**Proposer:** {d['proposer']}  ", f"**Created:** {d['created']}",
        "", "## Summary", f"HIP-{d['n']} {d['summary']}.", "", "## Motivation", d["why"], "",
        "## Specification", *[f"- {s}" for s in d["spec"]], "", "## Vote",
        f"Voting ran from {d['start']} to {d['end']} (5 days).", "",
        "| Option | veHBR |", "| --- | --- |", f"| For | {fmt(d['yes'])} |", f"| Against | {fmt(d['no'])} |",
        f"| Abstain | {fmt(d['abstain'])} |", "",
        f"Turnout was {fmt(turnout)} veHBR against a quorum of {fmt(d['quorum'])} veHBR. {outcome}", "",
        "## Process notes",
        "Proposals follow the Harbor governance process: a 3-day review period on the forum, a 5-day "
        "on-chain vote weighted by veHBR, and a 48-hour timelock before execution. Parameter changes are "
        "executed by the timelock contract; the Emergency Guardian cannot alter the result.",
    ])
    return {"id": d["id"], "title": f"HIP-{d['n']}: {d['title']}", "kind": "governance_proposal",
            "text": text + "\n", "updated": d["exec"] if d["status"] == "Executed" else d["end"]}
