"""Contract-triage identifier pools per domain and the Names bundle used by shapes.

Train, held-out and paraphrase rows draw from disjoint pools (contract names, mappings, functions,
roles, tokens, parameters and local variable names), so an eval row never reuses a train identifier
for the same role: the model has to read the code, not recognise names.
"""

from __future__ import annotations

from dataclasses import dataclass

# Each domain: contract name stems + suffixes, balance mapping, deposit fn, payout fn, admin var,
# token var, tunable parameter, short noun for explanations.
TRAIN_DOMAINS = {
    "vault": dict(C=["Yield", "Ether", "Savings", "Pooled", "Reserve", "Harbor", "Prime"],
                  Csuf=["Vault", "Safe", "VaultV2", "Locker"],
                  bal=["balances", "deposits", "shareOf", "credits", "userBalance"],
                  dep=["deposit", "stash", "supply", "depositETH"],
                  out=["withdraw", "redeem", "exit", "withdrawAll", "withdrawETH"],
                  admin=["owner", "admin", "manager"], tok=["asset", "underlying", "want"],
                  param=["feeBps", "withdrawFee", "performanceFee"], noun="vault deposits"),
    "staking": dict(C=["Staking", "EthStake", "Liquid", "Validator", "Bonded", "Farm"],
                    Csuf=["Pool", "Rewards", "Staker", "Manager"],
                    bal=["staked", "stakes", "stakeOf", "bonded", "stakedBalance"],
                    dep=["stake", "bond", "enter", "stakeETH"], out=["unstake", "unbond", "leave", "exitPool"],
                    admin=["operator", "owner", "controller"], tok=["stakingToken", "rewardToken", "lpToken"],
                    param=["rewardRate", "emissionRate", "lockPeriod"], noun="staked funds"),
    "auction": dict(C=["English", "Bid", "Art", "Dutch", "Lot", "Blind"],
                    Csuf=["Auction", "House", "Sale", "Market"],
                    bal=["pendingReturns", "bids", "refunds", "escrowed"], dep=["bid", "placeBid", "offer"],
                    out=["withdrawBid", "reclaim", "refund", "withdrawRefund"],
                    admin=["seller", "auctioneer", "owner"], tok=["payToken", "bidToken", "currency"],
                    param=["minIncrement", "reservePrice", "auctionFee"], noun="bidder refunds"),
    "dao": dict(C=["Dao", "Grants", "Community", "Guild", "Protocol", "Collective"],
                Csuf=["Treasury", "Chest", "Bank", "Fund"],
                bal=["contributions", "memberFunds", "shares", "pledged"], dep=["contribute", "join", "pledge"],
                out=["ragequit", "leaveGuild", "withdrawShare", "exitDao"],
                admin=["governor", "council", "steward"], tok=["govToken", "treasuryToken", "daoToken"],
                param=["quorumBps", "proposalFee", "votingPeriod"], noun="member treasury funds"),
    "lending": dict(C=["Lending", "Money", "Credit", "Borrow", "Loan", "Margin"],
                    Csuf=["Pool", "Market", "Desk", "Book"],
                    bal=["collateral", "supplied", "lenderBalance", "cTokens"],
                    dep=["supplyCollateral", "lend", "provide"],
                    out=["withdrawCollateral", "removeCollateral", "redeemSupply", "pull"],
                    admin=["riskAdmin", "owner", "guardian"], tok=["debtToken", "collateralToken", "stable"],
                    param=["collateralFactor", "liquidationBonus", "reserveFactor"], noun="lender collateral"),
    "nft": dict(C=["Pixel", "Moon", "Genesis", "Crypto", "Voxel", "Neon"],
                Csuf=["Pals", "Apes", "Mint", "Critters", "Drop"],
                bal=["mintedBy", "claimed", "allowanceLeft", "minted"], dep=["mint", "publicMint", "claim"],
                out=["withdrawProceeds", "cashOut", "release", "sweep"], admin=["owner", "creator", "artist"],
                tok=["payment", "mintToken", "weth"], param=["mintPrice", "maxPerWallet", "royaltyBps"],
                noun="mint proceeds"),
    "game": dict(C=["Arena", "Quest", "Dungeon", "Pet", "Kart"],
                 Csuf=["Game", "League", "Rewards", "Hub"],
                 bal=["winnings", "playerBalance", "credits", "prizeOf"], dep=["enter", "buyIn", "joinGame"],
                 out=["claimWinnings", "cashOut", "withdrawPrize"], admin=["gameMaster", "owner", "referee"],
                 tok=["gameToken", "gem", "chip"], param=["entryFee", "rakeBps", "roundLength"],
                 noun="player winnings"),
}
HELD_DOMAINS = {
    "insurance": dict(C=["Cover", "Mutual", "Risk"], Csuf=["Pool", "Shield", "Fund"],
                      bal=["premiums", "coverOf"], dep=["buyCover", "payPremium"],
                      out=["claimPayout", "withdrawPremium"], admin=["assessor", "underwriter"],
                      tok=["coverToken", "premiumToken"], param=["premiumRate", "claimDelay"],
                      noun="insurance pool funds"),
    "lottery": dict(C=["Weekly", "Jackpot", "Raffle"], Csuf=["Lotto", "Draw", "House"],
                    bal=["tickets", "prizes"], dep=["buyTicket", "enterDraw"],
                    out=["claimPrize", "collectPrize"], admin=["drawMaster", "host"],
                    tok=["ticketToken", "prizeToken"], param=["ticketPrice", "houseEdgeBps"], noun="prize pool"),
    "escrow": dict(C=["Milestone", "Trade", "Deal"], Csuf=["Escrow", "Settlement", "Agreement"],
                   bal=["escrowOf", "lockedFor"], dep=["fund", "lockPayment"], out=["releaseFunds", "settle"],
                   admin=["arbiter", "mediator"], tok=["escrowToken", "settlementToken"],
                   param=["disputeWindow", "arbiterFeeBps"], noun="escrowed payments"),
    "payroll": dict(C=["Payroll", "Vesting", "Salary"], Csuf=["Stream", "Wallet", "Schedule"],
                    bal=["accrued", "vested"], dep=["fundPayroll", "topUp"], out=["claimSalary", "releaseVested"],
                    admin=["employer", "hr"], tok=["payToken", "salaryToken"],
                    param=["cliffDuration", "ratePerSecond"], noun="employee salaries"),
    "crowdfund": dict(C=["Crowd", "Fund", "Launch"], Csuf=["sale", "Raiser", "Pad"],
                      bal=["pledges", "contributedBy"], dep=["pledge", "back"], out=["refundPledge", "withdrawRaise"],
                      admin=["creator", "organizer"], tok=["raiseToken", "saleToken"],
                      param=["goal", "deadline"], noun="backer pledges"),
    "bridge": dict(C=["Token", "L2", "Portal"], Csuf=["Bridge", "Gateway", "Router"],
                   bal=["lockedOf", "outbound"], dep=["lockTokens", "bridgeOut"], out=["unlock", "finalizeWithdrawal"],
                   admin=["relayer", "bridgeAdmin"], tok=["bridgedToken", "canonicalToken"],
                   param=["bridgeFeeBps", "dailyLimit"], noun="bridged tokens"),
}
# Eval-only renames for paraphrase rows: fresh identifiers for train domains.
PARA_DOMAINS = {
    "vault": dict(C=["Strong", "Coffer"], Csuf=["Box", "V3"], bal=["ledger", "owed"], dep=["put"], out=["take"],
                  admin=["custodian"], tok=["baseAsset"], param=["skimBps"], noun="vault deposits"),
    "staking": dict(C=["Bonding", "Stake"], Csuf=["Hall", "Keeper"], bal=["lockedStake", "position"],
                    dep=["commit"], out=["release"], admin=["steward"], tok=["bondToken"], param=["dripRate"],
                    noun="staked funds"),
    "auction": dict(C=["Gavel", "Sealed"], Csuf=["Room", "Bids"], bal=["outbid", "returnsOwed"], dep=["raise"],
                    out=["collectRefund"], admin=["host"], tok=["bidAsset"], param=["stepSize"],
                    noun="bidder refunds"),
    "dao": dict(C=["Moloch", "Coop"], Csuf=["Lite", "Purse"], bal=["stakeIn", "memberBal"], dep=["chipIn"],
                out=["quit"], admin=["chair"], tok=["voteToken"], param=["passBps"], noun="member treasury funds"),
    "lending": dict(C=["Pawn", "Rate"], Csuf=["Shop", "Counter"], bal=["posted", "margin"], dep=["post"],
                    out=["unpost"], admin=["curator"], tok=["loanAsset"], param=["ltvBps"],
                    noun="lender collateral"),
    "nft": dict(C=["Glyph", "Tiny"], Csuf=["Forge", "Towns"], bal=["mintCount", "takenBy"], dep=["forge"],
                out=["payout"], admin=["studio"], tok=["mintCurrency"], param=["priceWei"], noun="mint proceeds"),
    "game": dict(C=["Rogue", "Card"], Csuf=["Club", "Table"], bal=["chips", "stackOf"], dep=["sitDown"],
                 out=["leaveTable"], admin=["dealer"], tok=["chipToken"], param=["anteWei"], noun="player winnings"),
}

PRAGMAS = {"08": ["^0.8.19", "^0.8.20", "^0.8.24", "^0.8.17", "0.8.21", "^0.8.0", ">=0.8.0 <0.9.0", "^0.8.13"],
           "07": ["^0.7.6", "^0.7.0", "0.7.4", ">=0.7.0 <0.8.0"],
           "06": ["^0.6.12", "^0.6.6", "0.6.10", ">=0.6.0 <0.7.0"],
           "05": ["^0.5.0", "^0.5.12", "0.5.17", "^0.5.16"],
           "04": ["^0.4.24", "^0.4.18", "0.4.25", "^0.4.21"]}
# Eval rows use versions never seen in train, for every syntax era.
EVAL_PRAGMAS = {"08": ["^0.8.25", "^0.8.26", "0.8.23", ">=0.8.4"], "07": ["0.7.5", "^0.7.3"],
                "06": ["^0.6.2", "0.6.8"], "05": ["^0.5.8", "0.5.10"], "04": ["^0.4.23", "0.4.19"]}
LICENSES = ["MIT", "GPL-3.0", "UNLICENSED", "BUSL-1.1", "Apache-2.0", "AGPL-3.0-only", "GPL-2.0-or-later"]
AMOUNT = ["amount", "value", "wad", "qty", "_amount"]
OWED = ["owed", "due", "pending", "credit", "bal"]
USER = ["account", "user", "who", "holder", "_user"]
EVAL_AMOUNT = ["amt", "sum", "units"]
EVAL_OWED = ["payable_", "toSend", "entitled"]
EVAL_USER = ["addr", "target", "party"]
# State-variable prefix styles (OpenZeppelin's `_x`, Chainlink's `s_x`): train and eval differ.
TRAIN_STYLES = ["", "", "", "_"]
EVAL_STYLES = ["", "s_", "m_"]


@dataclass
class Names:
    """Identifiers for one generated snippet."""

    domain: str
    C: str
    bal: str
    dep: str
    out: str
    admin: str
    tok: str
    param: str
    noun: str
    amt: str
    owed: str
    user: str


def pick_names(domain: str, pools: dict, rng, held: bool = False) -> Names:
    """Draw one identifier from each pool of the domain (``held``: the eval-only local names)."""
    d = pools[domain]
    style = rng.choice(EVAL_STYLES if held else TRAIN_STYLES)
    return Names(domain=domain, C=rng.choice(d["C"]) + rng.choice(d["Csuf"]), bal=style + rng.choice(d["bal"]),
                 dep=rng.choice(d["dep"]), out=rng.choice(d["out"]), admin=rng.choice(d["admin"]),
                 tok=rng.choice(d["tok"]), param=rng.choice(d["param"]), noun=d["noun"],
                 amt=rng.choice(EVAL_AMOUNT if held else AMOUNT), owed=rng.choice(EVAL_OWED if held else OWED),
                 user=rng.choice(EVAL_USER if held else USER))
