"""Hand-written Harbor Finance protocol documentation (current state as of mid-2026)."""

from __future__ import annotations

DOCS = [
    ("doc-overview", "Harbor Finance overview", "2026-07-14", """\
Harbor Finance is a DeFi ecosystem governed by holders of the HBR token through the Harbor DAO.

## Products
- **Harbor Lend:** an over-collateralised lending market with six markets: ETH, USDC, DAI, WBTC, wstETH and HBR.
- **Harbor Swap:** a concentrated-liquidity exchange with fee tiers of 0.05%, 0.30% and 1.00%.
- **Safety Module:** HBR staking that backstops Harbor Lend against bad debt.

## Governance
Changes are made through Harbor Improvement Proposals (HIPs). Anyone with 150,000 veHBR can propose; votes last 5 days and need a quorum of 5,000,000 veHBR. Passed proposals wait in a 48-hour timelock.

## Networks
Harbor runs on Ethereum (since 2024-03-28), Arbitrum One (since 2024-12-16) and Base (since 2026-03-02).

## Treasury
The DAO treasury holds USDC, ETH and HBR. The Ops Council publishes a report every quarter; Q2 2026 closed with a total value of $61,900,000.

## Key contacts
Security reports go to the Harbor bounty portal. Governance discussion happens on the Harbor forum, where every HIP spends a 3-day review period before voting.
"""),
    ("doc-hbr-token", "HBR token and allocation", "2025-01-20", """\
HBR is Harbor's governance token. The total supply is fixed at 100,000,000 HBR; there is no inflation beyond this supply.

## Allocation
| Bucket | Share | Vesting |
| --- | --- | --- |
| Community treasury | 35% | Controlled by the DAO |
| Contributors | 20% | 4 years, 1-year cliff |
| Investors | 18% | 3 years, 6-month cliff |
| Liquidity mining | 22% | Emitted per HIP-4 and HIP-16 |
| Airdrop | 5% | Claimable at launch |

## Airdrop
The airdrop opened on 2024-03-28 and closed on 2024-09-28. 1,130,000 HBR went unclaimed and returned to the community treasury.

## Uses
- Lock HBR as veHBR to vote and propose.
- Stake in the Safety Module for rewards (with slashing risk).
- Post as collateral on Harbor Lend (40% LTV).

## Contract
HBR is a standard ERC-20 with 18 decimals and no transfer tax. It is bridged to Arbitrum One and Base through the canonical bridges.
"""),
    ("doc-vehbr", "veHBR vote escrow", "2025-04-24", """\
Voting power in the Harbor DAO comes from veHBR, created by locking HBR.

## Locking
- Lock HBR for any period from 1 week to 104 weeks (2 years).
- Voting power = locked HBR x remaining weeks / 104. A 1,000 HBR lock for 104 weeks starts with 1,000 veHBR; the same lock for 52 weeks starts with 500 veHBR.
- Power decays linearly to zero at unlock. Extending the lock restores it.

## No early exit
Locked HBR cannot be withdrawn before the unlock date, and veHBR cannot be transferred.

## Delegation
Holders can delegate their veHBR voting power to another address without moving tokens. Delegation can be changed at any time and applies from the next proposal snapshot.

## Thresholds
- Proposal threshold: 150,000 veHBR (lowered from 250,000 by HIP-9).
- Quorum: 5,000,000 veHBR of for, against and abstain votes (raised from 4,000,000 by HIP-15).

## Snapshot timing
Voting power is measured at the block when voting opens, so locking during a vote does not change that vote.
"""),
    ("doc-governance", "Governance process", "2025-04-24", """\
Every change to Harbor contracts, parameters or treasury spending goes through a Harbor Improvement Proposal (HIP).

## Lifecycle
1. **Forum draft:** the author posts the HIP on the Harbor forum.
2. **Review period:** a 3-day discussion period; the text may be edited.
3. **On-chain vote:** 5 days, weighted by veHBR. Options are for, against and abstain.
4. **Timelock:** a passed HIP waits in the 48-hour timelock contract.
5. **Execution:** anyone can trigger execution after the timelock.

## Passing rules
A HIP passes if for votes exceed against votes and turnout (for + against + abstain) meets the quorum of 5,000,000 veHBR. Abstain votes count toward quorum only.

## Who can propose
Any address holding or delegated at least 150,000 veHBR.

## Numbering
HIPs are numbered in order of submission. As of April 2026 there have been 24 HIPs: 21 executed and 3 defeated (HIP-7, HIP-18 and HIP-23).

## Emergency powers
The Emergency Guardian can pause markets without a vote but cannot change parameters or move funds. Unpausing requires either the guardian or a HIP.
"""),
    ("doc-risk-parameters", "Harbor Lend risk parameters", "2025-03-27", """\
Current parameters for each Harbor Lend market on Ethereum. Arbitrum One uses the same values for ETH and USDC; Base lists only ETH and USDC.

## Collateral parameters
| Market | LTV | Liquidation threshold | Liquidation bonus | Reserve factor | Supply cap |
| --- | --- | --- | --- | --- | --- |
| ETH | 80% | 82.5% | 5% | 15% | 150,000 ETH |
| USDC | 82% | 86% | 4.5% | 10% | 400,000,000 USDC |
| DAI | 77% | 82% | 5% | 10% | 150,000,000 DAI |
| WBTC | 70% | 75% | 6.5% | 20% | 4,000 WBTC |
| wstETH | 75% | 80% | 6% | 15% | 80,000 wstETH |
| HBR | 40% | 50% | 10% | 25% | 2,000,000 HBR |

## History
- wstETH launched at 72% LTV (HIP-6) and was raised to 75% by HIP-13.
- HBR was listed by HIP-12 with a 5,000,000 HBR cap, cut to 2,000,000 HBR by HIP-14.

## Definitions
**LTV** is the maximum borrow value as a share of collateral value. **Liquidation threshold** is the point where a position can be liquidated. **Reserve factor** is the share of interest kept by the protocol.

## Who sets them
Tidewatch Risk, the DAO's risk steward, proposes changes; only a HIP can enact them.
"""),
    ("doc-interest-rates", "Interest-rate models", "2025-12-11", """\
Harbor Lend uses a kinked rate model for each market. Below the optimal utilisation the borrow rate rises slowly along slope 1; above it, the rate rises steeply along slope 2.

## Current curves
| Market | Base rate | Slope 1 | Optimal utilisation | Slope 2 |
| --- | --- | --- | --- | --- |
| USDC | 0% | 4% | 92% | 50% |
| DAI | 0% | 4% | 90% | 60% |
| ETH | 0% | 3% | 80% | 80% |
| WBTC | 0% | 4% | 65% | 100% |
| wstETH | 0% | 2% | 70% | 90% |
| HBR | 0% | 7% | 45% | 300% |

## Example
At 92% utilisation the USDC borrow rate is 4%. At 100% it reaches 54%.

## Supply rate
Supply rate = borrow rate x utilisation x (1 - reserve factor). With USDC at 80% utilisation the borrow rate is about 3.5% and suppliers earn about 2.5%.

## Changes
HIP-21 moved USDC's optimal utilisation from 90% to 92% and lowered slope 2 from 60% to 50%, effective 2025-12-11.
"""),
    ("doc-liquidations", "Liquidations", "2025-03-27", """\
A position becomes liquidatable when its health factor drops below 1.

## Health factor
Health factor = (collateral value x liquidation threshold) / debt value. A health factor of 1.25 means collateral could fall 20% before liquidation.

## Close factor
- If 0.95 <= health factor < 1: a liquidator may repay up to 50% of the debt in one call.
- If health factor < 0.95: up to 100% of the debt may be repaid (added by HIP-14).

## Liquidation bonus
The liquidator receives collateral worth the repaid debt plus the market's liquidation bonus, for example 5% for ETH or 10% for HBR. The protocol keeps 10% of the bonus as reserves.

## Bad debt
If collateral is worth less than the debt, the shortfall is bad debt. Since July 2025 it is covered first by the Safety Module (up to 30% of staked HBR), then by the treasury.

## Tips for borrowers
Keep a health factor above 1.5 for volatile collateral, and watch for oracle fallback events, which pause new borrows.
"""),
    ("doc-oracles", "Price oracles", "2025-07-01", """\
Harbor Lend prices collateral with Chainlink feeds, with a Harbor Swap TWAP as a fallback and sanity check.

## Primary feeds
Chainlink feeds price ETH, USDC, DAI, WBTC and wstETH. Since 2025-07-01 a Chainlink HBR/USD feed prices HBR as well; before that HBR relied only on the TWAP.

## TWAP fallback
The fallback is a 30-minute time-weighted average price from the deepest Harbor Swap pool. It was 10 minutes until HIP-14.

## Deviation threshold
If Chainlink and the TWAP differ by more than 2%, new borrows in that market pause automatically until the prices converge for 3 consecutive updates.

## Staleness
A Chainlink answer older than 1 hour (24 hours for stablecoins) is treated as stale and triggers the fallback.

## Why this design
The March 2025 incident showed that a short TWAP on a thin pool can be moved cheaply. A longer window plus an independent feed makes manipulation far more expensive.
"""),
    ("doc-swap-fees", "Harbor Swap fees", "2025-08-12", """\
Harbor Swap pools charge a swap fee that goes to liquidity providers, minus the protocol fee.

## Fee tiers
| Tier | Typical pairs |
| --- | --- |
| 0.05% | Stablecoin pairs and ETH/wstETH |
| 0.30% | Major pairs such as ETH/USDC (default) |
| 1.00% | Volatile or long-tail pairs such as HBR/ETH |

Tiers were set by HIP-3.

## Protocol fee
Since 2024-10-01 the protocol keeps 1/6 of LP fees (HIP-8). A proposal to raise the share to 1/5 (HIP-18) was defeated in August 2025, so the share remains 1/6.

## Example
A $10,000 swap in a 0.30% pool pays $30 in fees: $25 to LPs and $5 to the treasury.

## Where fees go
Protocol fees are swept weekly to the treasury multisig and reported as Harbor Swap protocol fees in each treasury report.

## Choosing a tier
LPs pick the tier when creating a pool. The same pair can exist in several tiers; routers split trades across them for the best price.
"""),
    ("doc-liquidity-mining", "Liquidity mining", "2025-06-01", """\
Liquidity mining rewards users who provide liquidity on Harbor Swap or supply assets on Harbor Lend.

## Current rate
500,000 HBR per month since 2025-06-01 (HIP-16). From May 2024 until then the rate was 1,000,000 HBR per month (HIP-4).

## Split
- 60% to Harbor Swap liquidity providers, weighted by fees earned.
- 40% to Harbor Lend suppliers, weighted by supplied value.

## Source
Rewards come from the 22% liquidity-mining allocation (22,000,000 HBR), not from the treasury. About 19,500,000 HBR will have been emitted by the end of June 2026.

## Claiming
Rewards accrue every block and can be claimed at any time from the rewards page. Unclaimed rewards never expire.

## Eligible pools
Only pools and markets listed by governance earn rewards; HBR/ETH and ETH/USDC are the largest Harbor Swap recipients.

## Why emissions were cut
By May 2025 Harbor Swap fee income alone kept liquidity deep, and analysts at Anchor Research found that most rewarded HBR was sold within a week. Halving emissions extended the allocation and reduced sell pressure.

## Arbitrum One and Base
Rewards on Arbitrum One follow the same 60/40 split. Base markets receive no liquidity-mining rewards yet.
"""),
    ("doc-safety-module", "Safety Module", "2025-07-01", """\
The Safety Module lets HBR holders stake to protect Harbor Lend from bad debt. It was approved by HIP-17 and went live on 2025-07-01.

## How it works
- Stake HBR to earn a share of 250,000 HBR per month in rewards.
- If Harbor Lend suffers a shortfall, up to 30% of staked HBR can be slashed to cover it.
- Slashing requires a HIP; the guardian cannot slash.

## Cooldown
Unstaking starts a 10-day cooldown, followed by a 2-day window to withdraw. If you miss the window, the cooldown restarts.

## Order of cover
Bad debt is covered first by the Safety Module, then by the treasury.

## Audit
Fathom Security audited the Safety Module contracts in May 2025.

## Funding of rewards
Safety Module rewards are paid from the community treasury's HBR, which is one reason treasury HBR holdings decline each quarter.

## Risks for stakers
Stakers take on the tail risk of Harbor Lend. A large shortfall could slash 30% of every stake at once, and the 10-day cooldown means stakers cannot exit quickly when a problem starts.
"""),
    ("doc-guardian", "Emergency Guardian", "2025-10-30", """\
The Emergency Guardian is a 4-of-7 multisig created by HIP-1.

## Powers
- Pause or unpause individual Harbor Lend markets and Harbor Swap pools.
- Nothing else: it cannot change parameters, upgrade contracts, slash stakers or move funds.

## Mandate
The mandate was extended to 2026-12-31 by HIP-20, which also rotated two of the seven signers.

## Track record
During the 2025-03-11 HBR oracle incident the guardian paused the HBR market 38 minutes after the first malicious borrow.

## Accountability
Every pause must be explained on the forum within 24 hours, and a HIP can remove signers at any time.

## Signers
The seven signers are independent community members and security researchers; no more than two may work for the same organisation. Signers are paid a flat 2,500 USDC per month from the treasury.

## When to expect a pause
The guardian acts on oracle failures, active exploits and bridge incidents. It does not pause for ordinary market volatility.
"""),
    ("doc-bug-bounty", "Bug bounty", "2025-09-25", """\
Harbor pays researchers who responsibly disclose vulnerabilities through the Harbor bounty portal.

## Rewards
| Severity | Maximum reward |
| --- | --- |
| Critical | $1,000,000 |
| High | $100,000 |
| Medium | $20,000 |
| Low | $2,000 |

The critical ceiling was raised from $500,000 to $1,000,000 by HIP-19. Rewards are paid in USDC.

## Scope
Harbor Lend, Harbor Swap, the Safety Module and governance contracts on Ethereum, Arbitrum One and Base. Front-ends and third-party oracles are out of scope.

## Rules
Do not exploit a bug beyond a proof of concept, and do not disclose it publicly before a fix is deployed.

## Payouts so far
A 95,000 USDC high-severity reward was paid in Q1 2026 for a Harbor Swap rounding issue.

## How to report
Submit a private report through the portal with a proof of concept. The security team acknowledges reports within 48 hours and aims to fix critical issues within 7 days.
"""),
    ("doc-incident-2025-03", "Incident report: HBR oracle manipulation (March 2025)", "2025-03-28", """\
## Summary
On 2025-03-11 an attacker manipulated the price Harbor Lend used for HBR collateral and borrowed against inflated HBR, leaving 412,600 USDC of bad debt. No user deposits were lost: the treasury covered the shortfall.

## Root cause
HBR had no Chainlink feed and was priced only by a 10-minute TWAP from the HBR/ETH pool. The attacker pushed the pool price up for several blocks, deposited HBR and borrowed USDC.

## Timeline
- First malicious borrow at 14:02 UTC.
- Guardian paused the HBR market at 14:40 UTC, 38 minutes later.
- Bad debt repaid from the treasury on 2025-03-14.

## Remediation
HIP-14 lengthened the TWAP window to 30 minutes, added a 2% deviation threshold, allowed a 100% close factor below health factor 0.95 and cut the HBR cap from 5,000,000 to 2,000,000 HBR. HIP-17 later created the Safety Module so future shortfalls are not paid by the treasury first.
"""),
    ("doc-grants", "Grants programme", "2026-04-23", """\
The Harbor grants programme funds tools, integrations and research that benefit the ecosystem.

## Budgets
- 2025: 2,000,000 USDC, maximum 150,000 USDC per grant (HIP-10). 1,640,000 USDC was spent, 18% under budget.
- 2026: 1,500,000 USDC, maximum 100,000 USDC per grant (HIP-24).

## Committee
A five-member Grants Committee reviews applications monthly. Members serve one-year terms and publish every decision on the forum.

## Payment
Grants are paid in USDC in milestones. Usually 30% is paid up front and the rest on delivery.

## Priorities for 2026
Risk dashboards, Base integrations and independent research on the Safety Module.

## How to apply
Applicants post a proposal on the forum with a budget, milestones and a team description. The committee answers within 30 days. Recipients must publish a short report at each milestone.

## Track record
In 2025 the committee funded 23 grants. The largest, 150,000 USDC, paid for an open-source liquidation bot used by many Harbor liquidators.
"""),
    ("doc-deployments", "Deployments", "2026-03-02", """\
Harbor runs on three networks. Each deployment has its own markets but shares governance on Ethereum.

## Ethereum
Harbor Lend launched on 2024-03-28 with ETH, USDC and DAI; Harbor Swap followed on 2024-05-02 once HIP-3 had set its fee tiers. All six Harbor Lend markets are available here.

## Arbitrum One
Approved by HIP-11 and launched on 2024-12-16. Markets: ETH, USDC and wstETH, with the same risk parameters as Ethereum.

## Base
Approved by HIP-22 and launched on 2026-03-02. Markets: ETH and USDC only.

## Cross-chain governance
Votes happen on Ethereum. Executed HIPs are relayed to Arbitrum One and Base through their canonical bridges, which adds about 1 hour for Arbitrum and about 15 minutes for Base after the Ethereum timelock.

## Audits
Each deployment was reviewed before launch; see the audits page.

## Contract ownership
On every network the contracts are owned by the governance timelock (or its bridged receiver), and the Emergency Guardian holds only the pause role. No externally owned account can upgrade Harbor contracts.
"""),
    ("doc-audits", "Security audits", "2026-02-20", """\
Harbor contracts are audited before launch and before major upgrades.

## Completed audits
| Scope | Auditor | Date |
| --- | --- | --- |
| Harbor Lend v1 | Keelhaul Audits | February 2024 |
| Harbor Swap | Keelhaul Audits | April 2024 |
| Arbitrum One deployment | Brinewater Labs | November 2024 |
| Safety Module | Fathom Security | May 2025 |
| Base deployment | Brinewater Labs | February 2026 |

## Findings
No critical findings were reported in any audit. The Harbor Lend v1 audit found 2 high-severity issues, both fixed before launch.

## Costs
Audit costs appear under expenses in each treasury report.

## Ongoing security
Audits complement, but do not replace, the bug bounty and the Emergency Guardian.

## Publication
Full audit reports are published on the Harbor documentation site within 14 days of the final review, together with the team's response to each finding.
"""),
]
