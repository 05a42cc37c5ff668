"""Hand-written Harbor Q&A over protocol docs, multi-document questions and DeFi concepts."""

from __future__ import annotations


def qa(docs, qs, ans, facts, para=(), held=False, key=None):
    """One question family grounded in ``docs`` (ids); answers must cite them."""
    return {"docs": list(docs), "qs": list(qs), "ans": list(ans), "facts": list(facts),
            "para": list(para), "held": held, "key": key or (facts[0] if held else None)}


DOC_QA = [
    qa(["doc-vehbr"], ["How is veHBR voting power calculated?", "How much veHBR do I get for locking HBR?"],
       ["Voting power equals locked HBR x remaining weeks / 104, so 1,000 HBR locked for 104 weeks starts at "
        "1,000 veHBR and decays linearly to zero at unlock [doc-vehbr].",
        "It scales with lock length: locked HBR x remaining weeks / 104. A 52-week lock of 1,000 HBR gives 500 "
        "veHBR at the start [doc-vehbr]."], ["104"],
       [("If I lock 2,000 HBR for one year, roughly what voting weight do I start with, and why?",
         "About 1,000 veHBR at first: voting power is locked HBR x remaining weeks / 104, and 52 weeks is half "
         "the 104-week maximum. It then decays linearly to zero [doc-vehbr].")]),
    qa(["doc-vehbr"], ["What is the maximum lock for veHBR?", "Can I unlock veHBR early?"],
       ["You can lock HBR for 1 week up to 104 weeks (2 years), and locked HBR cannot be withdrawn before the "
        "unlock date [doc-vehbr].",
        "No early exit: HBR locked for veHBR stays locked until the unlock date, and locks run from 1 week to "
        "104 weeks [doc-vehbr]."], ["104 weeks"]),
    qa(["doc-vehbr"], ["Can I delegate my veHBR?"],
       ["Yes. You can delegate veHBR voting power to another address without moving tokens, and change it at "
        "any time; it applies from the next proposal snapshot [doc-vehbr]."], ["next proposal snapshot"],
       held=True, key="next proposal snapshot"),
    qa(["doc-governance"], ["What are the steps for a HIP?", "How long does a Harbor proposal take from "
                                                               "forum post to execution?"],
       ["A HIP has a 3-day forum review, a 5-day on-chain vote weighted by veHBR and a 48-hour timelock "
        "before anyone can execute it [doc-governance].",
        "At least about 10 days: a 3-day review, 5 days of voting and a 48-hour timelock [doc-governance]."],
       ["3-day", "48-hour"], ["Walk me through the lifecycle of a Harbor Improvement Proposal."]),
    qa(["doc-governance"], ["Which HIPs have been defeated?", "How many HIPs failed?"],
       ["Three HIPs were defeated: HIP-7, HIP-18 and HIP-23; the other 21 of the 24 were executed "
        "[doc-governance].",
        "Of 24 HIPs, 3 failed (HIP-7, HIP-18 and HIP-23) and 21 were executed [doc-governance]."],
       ["hip-7", "hip-18", "hip-23"]),
    qa(["doc-governance"], ["Do abstain votes count toward quorum?"],
       ["Yes. Turnout for quorum is for + against + abstain, but abstain votes don't count toward passing; "
        "for must exceed against [doc-governance]."], ["abstain"],
       ["When checking whether a Harbor vote hit quorum, are abstentions included?"]),
    qa(["doc-risk-parameters"], ["What is the ETH market's LTV on Harbor Lend?",
                                 "What are the risk parameters for ETH collateral?"],
       ["ETH has an 80% LTV, an 82.5% liquidation threshold, a 5% liquidation bonus and a 15% reserve factor, "
        "with a 150,000 ETH supply cap [doc-risk-parameters].",
        "For ETH: LTV 80%, liquidation threshold 82.5%, bonus 5%, reserve factor 15%, cap 150,000 ETH "
        "[doc-risk-parameters]."], ["80%", "82.5%"],
       ["How much can I borrow against ETH on Harbor Lend, and when does liquidation kick in?"]),
    qa(["doc-risk-parameters"], ["What is the USDC supply cap on Harbor Lend?"],
       ["The USDC market has a 400,000,000 USDC supply cap, with 82% LTV and an 86% liquidation threshold "
        "[doc-risk-parameters]."], ["400,000,000 usdc"]),
    qa(["doc-risk-parameters"], ["What are DAI's parameters on Harbor Lend?"],
       ["DAI has a 77% LTV, 82% liquidation threshold, 5% bonus, 10% reserve factor and a 150,000,000 DAI cap "
        "[doc-risk-parameters]."], ["150,000,000 dai"], held=True),
    qa(["doc-risk-parameters"], ["Who proposes risk parameter changes?"],
       ["Tidewatch Risk, the DAO's risk steward, proposes changes, but only a HIP can enact them "
        "[doc-risk-parameters]."], ["tidewatch risk"]),
    qa(["doc-interest-rates"], ["What's the current USDC interest-rate curve?",
                                "What is USDC's optimal utilisation?"],
       ["USDC uses a 0% base rate, 4% slope 1, 92% optimal utilisation and 50% slope 2, so the borrow rate "
        "is 4% at the kink and 54% at 100% utilisation [doc-interest-rates].",
        "Optimal utilisation for USDC is 92%; slope 1 is 4% and slope 2 is 50% [doc-interest-rates]."],
       ["92%", "50%"]),
    qa(["doc-interest-rates"], ["What is the ETH borrow curve on Harbor Lend?"],
       ["ETH has a 0% base rate, 3% slope 1, 80% optimal utilisation and 80% slope 2 [doc-interest-rates]."],
       ["3%", "80%"], ["Describe the kinked rate model parameters for the ETH market."]),
    qa(["doc-interest-rates"], ["What is the HBR market's slope 2?"],
       ["HBR has a very steep 300% slope 2 above its 45% optimal utilisation [doc-interest-rates]."],
       ["300%", "45%"], held=True),
    qa(["doc-interest-rates"], ["How is the supply rate calculated?"],
       ["Supply rate = borrow rate x utilisation x (1 - reserve factor); for USDC at 80% utilisation that is "
        "about 2.5% [doc-interest-rates]."], ["about 2.5%"], held=True),
    qa(["doc-liquidations"], ["What is the close factor on Harbor Lend?", "How much debt can a liquidator "
                                                                            "repay at once?"],
       ["Liquidators can repay up to 50% of the debt when 0.95 <= health factor < 1, and up to 100% when the "
        "health factor is below 0.95 [doc-liquidations].",
        "Up to 50% per call while the health factor is between 0.95 and 1, and up to 100% below 0.95 "
        "[doc-liquidations]."], ["50%", "100%", "0.95"],
       [("A position's health factor is 0.9. What share of its debt can be repaid in a single liquidation?",
         "All of it: below a health factor of 0.95 a liquidator may repay up to 100% of the debt in one call, "
         "versus 50% between 0.95 and 1 [doc-liquidations].")]),
    qa(["doc-liquidations"], ["How much of the liquidation bonus does the protocol keep?"],
       ["The protocol keeps 10% of the bonus as reserves; the liquidator gets the rest of the liquidation "
        "bonus [doc-liquidations]."], ["10% of the bonus"], held=True),
    qa(["doc-liquidations"], ["How is the health factor defined?"],
       ["Health factor = (collateral value x liquidation threshold) / debt value; below 1 the position can be "
        "liquidated [doc-liquidations]."], ["liquidation threshold", "below 1"]),
    qa(["doc-oracles"], ["What oracles does Harbor Lend use?", "How does Harbor price collateral?"],
       ["Chainlink feeds are the primary source, with a 30-minute Harbor Swap TWAP as fallback and sanity "
        "check [doc-oracles].",
        "It uses Chainlink first and falls back to a 30-minute TWAP from the deepest Harbor Swap pool "
        "[doc-oracles]."], ["chainlink", "30-minute"],
       ["Where do Harbor Lend's collateral prices come from?"]),
    qa(["doc-oracles"], ["What happens if Chainlink and the TWAP disagree?"],
       ["If they differ by more than 2%, new borrows in that market pause until prices converge for 3 "
        "consecutive updates [doc-oracles]."], ["2%", "3 consecutive updates"]),
    qa(["doc-oracles"], ["When is a Chainlink price considered stale?"],
       ["An answer older than 1 hour, or 24 hours for stablecoins, is treated as stale and triggers the "
        "fallback [doc-oracles]."], ["24 hours"], held=True),
    qa(["doc-oracles"], ["When did HBR get a Chainlink feed?"],
       ["A Chainlink HBR/USD feed has priced HBR since 2025-07-01; before that HBR relied only on the TWAP "
        "[doc-oracles]."], ["2025-07-01"]),
    qa(["doc-swap-fees"], ["How are Harbor Swap fees split?", "How much of a $10,000 swap fee goes to the "
                                                                "treasury?"],
       ["LPs keep 5/6 of swap fees and the protocol takes 1/6, so a $10,000 swap in a 0.30% pool pays $30: "
        "$25 to LPs and $5 to the treasury [doc-swap-fees].",
        "In a 0.30% pool the $30 fee splits into $25 for LPs and $5 (1/6) for the treasury [doc-swap-fees]."],
       ["1/6", "$5"]),
    qa(["doc-swap-fees"], ["Which fee tier is for stablecoin pairs?"],
       ["Stablecoin pairs and ETH/wstETH typically use the 0.05% tier; 0.30% is the default and 1.00% is for "
        "volatile pairs [doc-swap-fees]."], ["0.05%"],
       ["If I create a USDC/DAI pool, which tier fits best?"]),
    qa(["doc-liquidity-mining"], ["How much HBR is emitted for liquidity mining now?",
                                  "What's the current liquidity mining rate?"],
       ["500,000 HBR per month since 2025-06-01, split 60% to Harbor Swap LPs and 40% to Harbor Lend "
        "suppliers [doc-liquidity-mining].",
        "The rate is 500,000 HBR per month, set by HIP-16 and split 60/40 between LPs and suppliers "
        "[doc-liquidity-mining]."],
       ["500,000 hbr"]),
    qa(["doc-liquidity-mining"], ["Do Base markets earn liquidity mining rewards?"],
       ["Not yet: Base markets receive no liquidity-mining rewards, while Arbitrum One follows the same "
        "60/40 split as Ethereum [doc-liquidity-mining]."], ["no liquidity-mining rewards"], held=True),
    qa(["doc-safety-module"], ["What is the Safety Module cooldown?", "How long does unstaking from the Safety "
                                                                       "Module take?"],
       ["Unstaking starts a 10-day cooldown followed by a 2-day withdrawal window; miss it and the cooldown "
        "restarts [doc-safety-module].",
        "A 10-day cooldown, then a 2-day window to withdraw [doc-safety-module]."], ["10-day", "2-day"]),
    qa(["doc-safety-module"], ["Who can slash the Safety Module?"],
       ["Slashing requires a HIP and is capped at 30% of staked HBR; the guardian cannot slash "
        "[doc-safety-module]."],
       ["requires a hip", "30%"], [("Could the Emergency Guardian take Safety Module stakes on its own?",
         "No. Slashing requires a HIP and is capped at 30% of staked HBR; the guardian has no slashing power "
         "[doc-safety-module].")]),
    qa(["doc-guardian"], ["What can the Emergency Guardian do?", "Can the guardian move funds?"],
       ["The 4-of-7 guardian can only pause or unpause markets and pools; it cannot change parameters, "
        "upgrade contracts, slash stakers or move funds [doc-guardian].",
        "No. It can only pause or unpause markets and pools [doc-guardian]."], ["pause"],
       ["What's the limit of the multisig's emergency authority?"]),
    qa(["doc-guardian"], ["How are guardian signers paid?"],
       ["Each signer is paid a flat 2,500 USDC per month from the treasury [doc-guardian]."],
       ["2,500 usdc"], held=True),
    qa(["doc-bug-bounty"], ["What is the maximum reward for a high-severity bug?"],
       ["High-severity reports can earn up to $100,000, paid in USDC [doc-bug-bounty]."], ["$100,000"]),
    qa(["doc-bug-bounty"], ["Is the Harbor front-end in scope for the bug bounty?"],
       ["No. Front-ends and third-party oracles are out of scope; the contracts on Ethereum, Arbitrum One and "
        "Base are in scope [doc-bug-bounty]."], ["out of scope"], held=True),
    qa(["doc-incident-2025-03"], ["What happened in the March 2025 incident?", "How much bad debt did the HBR "
                                                                                 "oracle incident cause?"],
       ["On 2025-03-11 an attacker manipulated the 10-minute HBR TWAP and borrowed against inflated HBR, "
        "leaving 412,600 USDC of bad debt that the treasury covered [doc-incident-2025-03].",
        "It left 412,600 USDC of bad debt, repaid by the treasury on 2025-03-14; no user deposits were lost "
        "[doc-incident-2025-03]."], ["412,600 usdc"],
       ["Explain the HBR collateral exploit from early 2025 and who absorbed the loss."]),
    qa(["doc-incident-2025-03"], ["How quickly did the guardian react to the HBR exploit?"],
       ["The first malicious borrow was at 14:02 UTC and the guardian paused the HBR market at 14:40 UTC, 38 "
        "minutes later [doc-incident-2025-03]."], ["14:40 utc"], held=True),
    qa(["doc-grants"], ["How does the grants committee work?"],
       ["A five-member committee reviews applications monthly, serves one-year terms and publishes every "
        "decision on the forum [doc-grants]."], ["five-member"]),
    qa(["doc-grants"], ["How many grants were funded in 2025?"],
       ["The committee funded 23 grants in 2025; the largest was 150,000 USDC for an open-source liquidation "
        "bot [doc-grants]."], ["23 grants"], held=True),
    qa(["doc-hbr-token"], ["What is HBR's total supply?", "How is HBR allocated?"],
       ["HBR has a fixed supply of 100,000,000: 35% community treasury, 20% contributors, 18% investors, 22% "
        "liquidity mining and 5% airdrop [doc-hbr-token].",
        "The 100,000,000 HBR supply is split 35% treasury, 20% contributors, 18% investors, 22% liquidity "
        "mining and 5% airdrop [doc-hbr-token]."], ["100,000,000", "22%"],
       ["Break down the HBR token distribution for me."]),
    qa(["doc-hbr-token"], ["How much of the airdrop went unclaimed?"],
       ["1,130,000 HBR went unclaimed when the window closed on 2024-09-28 and returned to the treasury "
        "[doc-hbr-token]."], ["1,130,000 hbr"]),
    qa(["doc-hbr-token"], ["What is the contributor vesting schedule?"],
       ["Contributor tokens vest over 4 years with a 1-year cliff; investors vest over 3 years with a 6-month "
        "cliff [doc-hbr-token]."], ["1-year cliff"], held=True),
    qa(["doc-deployments"], ["Which markets are live on Base?"],
       ["Base launched on 2026-03-02 with ETH and USDC markets only [doc-deployments]."], ["eth and usdc"],
       ["What can I borrow or supply on Harbor's Base deployment?"]),
    qa(["doc-deployments"], ["How are executed HIPs applied on other chains?"],
       ["Votes happen on Ethereum; executed HIPs are relayed through canonical bridges, adding about 1 hour "
        "for Arbitrum and about 15 minutes for Base [doc-deployments]."], ["about 1 hour"], held=True),
    qa(["doc-audits"], ["Who audited the Safety Module?", "Which firm reviewed Harbor's Safety Module?"],
       ["Fathom Security audited the Safety Module in May 2025 [doc-audits].",
        "That was Fathom Security, in May 2025 [doc-audits]."], ["fathom security"]),
    qa(["doc-audits"], ["Did any Harbor audit find critical issues?"],
       ["No audit reported a critical finding; the Harbor Lend v1 audit found 2 high-severity issues, fixed "
        "before launch [doc-audits]."], ["2 high-severity"], held=True),
]

MULTI_QA = [
    qa(["doc-risk-parameters", "hip-006", "hip-013"], ["How has wstETH's LTV changed over time?"],
       ["wstETH launched at 72% LTV under HIP-6 [hip-006] and HIP-13 raised it to 75% [hip-013], the current "
        "value [doc-risk-parameters]."], ["72%", "75%"]),
    qa(["hip-009", "doc-vehbr"], ["What is the proposal threshold and how did it change?"],
       ["It is 150,000 veHBR [doc-vehbr], lowered from 250,000 by HIP-9 [hip-009]."], ["150,000", "250,000"]),
    qa(["hip-014", "doc-incident-2025-03"], ["What changed after the March 2025 oracle incident?"],
       ["After 412,600 USDC of bad debt [doc-incident-2025-03], HIP-14 lengthened the TWAP window from 10 to "
        "30 minutes, added a 2% deviation threshold and cut the HBR cap to 2,000,000 HBR [hip-014]."],
       ["412,600 usdc", "30 minutes"]),
    qa(["treasury-2024q2", "treasury-2026q2"], ["How much did treasury USDC grow from Q2 2024 to Q2 2026?"],
       ["USDC rose from 4,200,000 [treasury-2024q2] to 12,600,000 [treasury-2026q2], an increase of "
        "8,400,000 USDC."], ["4,200,000", "12,600,000"]),
    qa(["treasury-2024q4", "treasury-2025q3"], ["Compare Harbor Swap protocol fees in Q4 2024 and Q3 2025."],
       ["Protocol fees were $830,000 in Q4 2024, the first quarter of the fee switch [treasury-2024q4], and "
        "$1,580,000 in Q3 2025 [treasury-2025q3]."], ["$830,000", "$1,580,000"]),
    qa(["hip-008", "hip-018", "doc-swap-fees"], ["Has the protocol fee share ever changed?"],
       ["No. HIP-8 set it at 1/6 from 2024-10-01 [hip-008]; HIP-18's attempt to raise it to 1/5 was defeated "
        "[hip-018], so it is still 1/6 [doc-swap-fees]."], ["1/6", "1/5"]),
    qa(["hip-010", "hip-024", "doc-grants"], ["How do the 2025 and 2026 grants budgets compare?"],
       ["2025 had 2,000,000 USDC with a 150,000 USDC cap [hip-010]; 2026 has 1,500,000 USDC with a 100,000 "
        "USDC cap [hip-024], after 2025 under-spent by 18% [doc-grants]."], ["2,000,000 usdc", "1,500,000 usdc"]),
    qa(["hip-012", "hip-014"], ["What is the history of HBR's supply cap on Harbor Lend?"],
       ["HIP-12 listed HBR with a 5,000,000 HBR cap [hip-012]; HIP-14 cut it to 2,000,000 HBR after the oracle "
        "incident [hip-014]."], ["5,000,000 hbr", "2,000,000 hbr"]),
    qa(["hip-016", "doc-liquidity-mining"], ["Why was liquidity mining reduced, and to what?"],
       ["HIP-16 cut emissions to 500,000 HBR per month from 2025-06-01 [hip-016] because fee income kept "
        "liquidity deep and most rewards were sold within a week [doc-liquidity-mining]."],
       ["500,000 hbr", "sold within a week"]),
    qa(["treasury-2025q1", "doc-incident-2025-03"], ["How did the oracle incident show up in the treasury?"],
       ["The 412,600 USDC of bad debt was repaid from the treasury [doc-incident-2025-03] and is included in "
        "the $827,600 of grants and incident costs for Q1 2025 [treasury-2025q1]."], ["$827,600"]),
    qa(["hip-015", "hip-023"], ["Why did HIP-23 fail?"],
       ["HIP-23 drew 3,905,000 veHBR for and 610,300 against [hip-023], below the 5,000,000 veHBR quorum set "
        "by HIP-15 [hip-015]."], ["5,000,000 vehbr", "3,905,000"], held=True, key="3,905,000"),
    qa(["treasury-2025q3", "treasury-2026q2"], ["How did the reported runway change from Q3 2025 to Q2 2026?"],
       ["Runway went from 23 months in Q3 2025 [treasury-2025q3] to 25 months in Q2 2026 [treasury-2026q2], "
        "counting only USDC and ETH reserves."], ["23 months", "25 months"], held=True, key="25 months"),
    qa(["hip-011", "doc-deployments"], ["Which markets are on Arbitrum One and when did it launch?"],
       ["HIP-11 approved the deployment [hip-011], which launched on 2024-12-16 with ETH, USDC and wstETH "
        "markets [doc-deployments]."], ["2024-12-16", "wsteth"], held=True, key="2024-12-16"),
]

# Questions the sources cannot fully answer: the copilot says so and cites what it does know.
ABSTAIN_QA = [
    qa(["doc-governance"], ["What did HIP-31 propose?"],
       ["The sources contain no HIP-31: as of April 2026 there have been 24 HIPs [doc-governance]."],
       ["24 hips"]),
    qa(["doc-deployments"], ["What is Harbor's TVL on Solana?"],
       ["The sources don't mention Solana. Harbor runs on three networks: Ethereum, Arbitrum One and Base "
        "[doc-deployments]."], ["three networks"]),
    qa(["treasury-2026q2"], ["What was the treasury value at the end of Q3 2026?"],
       ["There is no Q3 2026 report in the sources. The latest, for Q2 2026, shows a total value of "
        "$61,900,000 [treasury-2026q2]."], ["$61,900,000"]),
    qa(["doc-guardian"], ["Who are the seven guardian signers?"],
       ["The sources don't name them; they only say signers are independent community members and security "
        "researchers, with no more than two from the same organisation [doc-guardian]."], ["no more than two"]),
    qa(["treasury-2026q2"], ["What is the HBR price right now?"],
       ["The sources don't give a live price. Treasury reports only value HBR at the 30-day average price for "
        "the total [treasury-2026q2]."], ["30-day average price"]),
    qa(["doc-incident-2025-03"], ["Was Harbor hacked in 2024?"],
       ["The sources describe no 2024 incident. The only incident report covers the HBR oracle manipulation "
        "on 2025-03-11 [doc-incident-2025-03]."], ["2025-03-11"]),
    qa(["doc-governance"], ["What did HIP-27 change?"],
       ["The sources contain no HIP-27; only 24 HIPs had been submitted as of April 2026 [doc-governance]."],
       ["24 hips"], held=True, key="no hip-27"),
    qa(["doc-safety-module"], ["What APR do Safety Module stakers earn?"],
       ["The sources don't state an APR; they only say stakers share 250,000 HBR per month in rewards "
        "[doc-safety-module]."], ["250,000 hbr per month"], held=True, key="don't state an apr"),
]
