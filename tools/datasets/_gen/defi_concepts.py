"""General DeFi concept questions (no retrieval needed) for the Harbor copilot."""

from __future__ import annotations

# (question, answer, key phrases); the first block is train, CONCEPTS_HELD is eval-only.
CONCEPTS = [
    ("What is impermanent loss?",
     "Impermanent loss is the value an AMM liquidity provider gives up compared with simply holding the two "
     "tokens, caused by the pool rebalancing as prices move. It becomes permanent if you withdraw while prices "
     "are still apart; fees can offset it.", ["holding the two tokens", "prices move"]),
    ("What does a health factor mean in lending protocols?",
     "A health factor compares your collateral, adjusted by its liquidation threshold, with your debt. Above 1 "
     "the position is safe; below 1 it can be liquidated.", ["below 1", "liquidated"]),
    ("What is utilisation in a lending market?",
     "Utilisation is the share of supplied assets that is currently borrowed: total borrows divided by total "
     "supply. Interest rates usually rise as utilisation increases.", ["borrowed", "total supply"]),
    ("What is a TWAP oracle?",
     "A TWAP (time-weighted average price) oracle averages a pool's price over a window such as 30 minutes. "
     "It is harder to manipulate than a spot price because an attacker must hold the price for the whole "
     "window.", ["time-weighted average price", "harder to manipulate"]),
    ("What is vote escrow tokenomics?",
     "In a vote-escrow model you lock governance tokens for a period to receive non-transferable voting "
     "power; longer locks give more power, which rewards long-term commitment.", ["lock", "longer locks"]),
    ("What is a liquidation bonus?",
     "A liquidation bonus is the discount a liquidator receives on seized collateral, for example 5%, to "
     "reward them for repaying an unhealthy position's debt.", ["discount", "liquidator"]),
    ("What is a close factor?",
     "The close factor caps how much of an unhealthy borrower's debt a liquidator can repay in one "
     "transaction, often 50%.", ["how much", "one transaction"]),
    ("What is a flash loan?",
     "A flash loan is an uncollateralised loan that must be borrowed and repaid within the same transaction; "
     "if it isn't repaid, the whole transaction reverts.", ["same transaction", "reverts"]),
    ("What is slippage?",
     "Slippage is the difference between the price you expect when submitting a trade and the price you "
     "actually get, caused by price moves or your trade's own impact on the pool.", ["difference", "price"]),
    ("What's the difference between APR and APY?",
     "APR is the simple annual rate without compounding; APY includes the effect of compounding, so APY is "
     "higher than APR whenever interest is reinvested.", ["compounding"]),
    ("What is a governance timelock?",
     "A timelock is a contract that delays execution of approved proposals, for example by 48 hours, so "
     "users can review changes and exit before they take effect.", ["delays execution"]),
    ("What is a quorum in DAO voting?",
     "Quorum is the minimum participation a vote needs to be valid. Without it, a proposal fails even if "
     "most voters supported it.", ["minimum participation"]),
    ("What is a reserve factor?",
     "A reserve factor is the share of borrower interest a lending protocol keeps as reserves instead of "
     "passing it to suppliers.", ["share of borrower interest"]),
    ("What does loan-to-value mean?",
     "Loan-to-value (LTV) is the maximum amount you can borrow as a percentage of your collateral's value; "
     "an 80% LTV lets you borrow $80 against $100.", ["$80 against $100"]),
    ("What is oracle manipulation?",
     "Oracle manipulation means moving the price source a protocol trusts, often a thin AMM pool, so the "
     "protocol misvalues assets; attackers then borrow or liquidate at the false price.", ["price source"]),
    ("What is a multisig?",
     "A multisig is a wallet that needs several keyholders to approve a transaction, such as 4 of 7, so no "
     "single person can act alone.", ["several keyholders"]),
    ("What is bad debt in DeFi lending?",
     "Bad debt is a loan whose collateral is worth less than the debt, so liquidation can't fully repay it "
     "and the protocol must absorb the shortfall.", ["worth less than the debt"]),
    ("What is a kinked interest rate model?",
     "A kinked model raises borrow rates gently up to an optimal utilisation and steeply above it, pushing "
     "utilisation back down so suppliers can withdraw.", ["optimal utilisation", "steeply"]),
    ("What is concentrated liquidity?",
     "Concentrated liquidity lets LPs provide liquidity only within a chosen price range, earning more fees "
     "per dollar while the price stays in range.", ["price range"]),
    ("What is a fee switch?",
     "A fee switch routes part of the trading fees that would go to liquidity providers to the protocol "
     "treasury instead.", ["trading fees", "treasury"]),
    ("What is a safety module in DeFi?",
     "A safety module is a pool of staked tokens that can be slashed to cover protocol shortfalls such as bad "
     "debt; stakers earn rewards for taking that risk.", ["slashed", "shortfalls"]),
    ("What is a stablecoin depeg?",
     "A depeg is when a stablecoin trades meaningfully away from its target, usually $1, because of redemption "
     "problems, collateral losses or panic selling.", ["away from its target"]),
    ("What is MEV?",
     "MEV (maximal extractable value) is profit that block builders or searchers capture by ordering, "
     "inserting or censoring transactions, for example sandwiching a large swap.", ["ordering"]),
    ("What is a sandwich attack?",
     "In a sandwich attack a bot buys just before your swap and sells just after it, profiting from the price "
     "impact you create; tight slippage limits reduce the damage.", ["before your swap", "after"]),
    ("What does over-collateralised lending mean?",
     "Borrowers must post collateral worth more than they borrow, so the protocol can liquidate it if prices "
     "fall before the debt is unpaid.", ["worth more than they borrow"]),
    ("What is token vesting with a cliff?",
     "Vesting releases tokens gradually; a cliff is an initial period, such as one year, during which nothing "
     "unlocks, after which the accrued amount releases at once.", ["nothing unlocks"]),
    ("What is liquidity mining?",
     "Liquidity mining pays users token rewards for supplying liquidity or deposits, to bootstrap markets.",
     ["token rewards"]),
    ("What is a supply cap?",
     "A supply cap limits how much of an asset can be deposited into a lending market, capping the protocol's "
     "exposure to that asset.", ["limits how much"]),
    ("What is protocol-owned revenue?",
     "It is income that accrues to the protocol's treasury, such as reserve-factor interest or fee-switch "
     "trading fees, rather than to users.", ["treasury"]),
    ("What is delegation in token governance?",
     "Delegation lets a holder assign their voting power to another address without transferring tokens, "
     "so active delegates can vote on their behalf.", ["without transferring tokens"]),
]

CONCEPTS_HELD = [
    ("What is a bridge in crypto and why is it risky?",
     "A bridge moves assets between chains, usually by locking them on one chain and minting a representation "
     "on another. Bridges hold large pools of locked assets, making them attractive hacking targets.",
     ["locking", "minting"]),
    ("What is rehypothecation in DeFi?",
     "Rehypothecation is reusing deposited collateral elsewhere, for example lending it out again, which "
     "increases yield but stacks risks across protocols.", ["reusing deposited collateral"]),
    ("What is an isolated lending market?",
     "An isolated market keeps an asset's risk separate: it can only be used as collateral within its own "
     "market, so a failure there can't spread to other pools.", ["own market"]),
    ("What is a governance attack?",
     "A governance attack is gaining enough voting power, sometimes with borrowed or flash-loaned tokens, to "
     "pass a malicious proposal such as draining a treasury.", ["voting power", "malicious proposal"]),
    ("What is a rebasing token?",
     "A rebasing token changes every holder's balance automatically to reflect yield or a target price, "
     "instead of changing the token's price.", ["balance automatically"]),
    ("What is a liquidation cascade?",
     "A liquidation cascade happens when liquidations push prices down, which triggers more liquidations, "
     "repeating in a downward spiral.", ["triggers more liquidations"]),
    ("What is real yield?",
     "Real yield is yield paid from a protocol's actual revenue, such as fees, rather than from newly issued "
     "token emissions.", ["actual revenue"]),
    ("What is an LP token?",
     "An LP token is a receipt for your share of a liquidity pool; you redeem it to withdraw your portion of "
     "the pool's assets and fees.", ["share of a liquidity pool"]),
]
