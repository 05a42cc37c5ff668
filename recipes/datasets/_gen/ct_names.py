"""Contract-triage identifier pools per domain and the Names bundle used by shapes."""

from __future__ import annotations

from dataclasses import dataclass

# Each domain: contract names, balance mapping, deposit fn, payout fn, admin var,
# token var, tunable parameter, short noun for explanations.
TRAIN_DOMAINS = {
    "vault": dict(C=["YieldVault", "EtherVault", "SavingsVault", "PooledVault", "ReserveVault"],
                  bal=["balances", "deposits", "shareOf", "credits"], dep=["deposit", "stash", "supply"],
                  out=["withdraw", "redeem", "exit", "withdrawAll"], admin=["owner", "admin", "manager"],
                  tok=["asset", "underlying", "want"], param=["feeBps", "withdrawFee", "performanceFee"],
                  noun="vault deposits"),
    "staking": dict(C=["StakingPool", "EthStaker", "StakeRewards", "LiquidStake", "ValidatorPool"],
                    bal=["staked", "stakes", "stakeOf", "bonded"], dep=["stake", "bond", "enter"],
                    out=["unstake", "unbond", "leave", "exitPool"], admin=["operator", "owner", "controller"],
                    tok=["stakingToken", "rewardToken", "lpToken"],
                    param=["rewardRate", "emissionRate", "lockPeriod"], noun="staked funds"),
    "auction": dict(C=["EnglishAuction", "BidHouse", "ArtAuction", "DutchSale", "LotAuction"],
                    bal=["pendingReturns", "bids", "refunds", "escrowed"], dep=["bid", "placeBid", "offer"],
                    out=["withdrawBid", "reclaim", "refund", "withdrawRefund"],
                    admin=["seller", "auctioneer", "owner"], tok=["payToken", "bidToken", "currency"],
                    param=["minIncrement", "reservePrice", "auctionFee"], noun="bidder refunds"),
    "dao": dict(C=["DaoTreasury", "GrantsDao", "CommunityChest", "GuildBank", "ProtocolTreasury"],
                bal=["contributions", "memberFunds", "shares", "pledged"], dep=["contribute", "join", "pledge"],
                out=["ragequit", "leaveGuild", "withdrawShare", "exitDao"],
                admin=["governor", "council", "steward"], tok=["govToken", "treasuryToken", "daoToken"],
                param=["quorumBps", "proposalFee", "votingPeriod"], noun="member treasury funds"),
    "lending": dict(C=["LendingPool", "MoneyMarket", "CreditLine", "BorrowDesk", "LoanBook"],
                    bal=["collateral", "supplied", "lenderBalance", "cTokens"],
                    dep=["supplyCollateral", "lend", "provide"], out=["withdrawCollateral", "removeCollateral",
                                                                      "redeemSupply", "pull"],
                    admin=["riskAdmin", "owner", "guardian"], tok=["debtToken", "collateralToken", "stable"],
                    param=["collateralFactor", "liquidationBonus", "reserveFactor"], noun="lender collateral"),
    "nft": dict(C=["PixelPals", "MoonApes", "GenesisMint", "CryptoCritters", "VoxelDrop"],
                bal=["mintedBy", "claimed", "allowanceLeft", "minted"], dep=["mint", "publicMint", "claim"],
                out=["withdrawProceeds", "cashOut", "release", "sweep"], admin=["owner", "creator", "artist"],
                tok=["payment", "mintToken", "weth"], param=["mintPrice", "maxPerWallet", "royaltyBps"],
                noun="mint proceeds"),
}
HELD_DOMAINS = {
    "insurance": dict(C=["CoverPool", "MutualCover", "RiskShield"], bal=["premiums", "coverOf"],
                      dep=["buyCover", "payPremium"], out=["claimPayout", "withdrawPremium"],
                      admin=["assessor", "underwriter"], tok=["coverToken", "premiumToken"],
                      param=["premiumRate", "claimDelay"], noun="insurance pool funds"),
    "lottery": dict(C=["WeeklyLotto", "JackpotDraw", "RaffleHouse"], bal=["tickets", "winnings"],
                    dep=["buyTicket", "enterDraw"], out=["claimPrize", "withdrawWinnings"],
                    admin=["drawMaster", "host"], tok=["ticketToken", "prizeToken"],
                    param=["ticketPrice", "houseEdgeBps"], noun="prize pool"),
    "escrow": dict(C=["MilestoneEscrow", "TradeEscrow", "SafeDeal"], bal=["escrowOf", "lockedFor"],
                   dep=["fund", "lockPayment"], out=["releaseFunds", "settle"],
                   admin=["arbiter", "mediator"], tok=["escrowToken", "settlementToken"],
                   param=["disputeWindow", "arbiterFeeBps"], noun="escrowed payments"),
    "payroll": dict(C=["PayrollStream", "VestingWallet", "SalaryVault"], bal=["accrued", "vested"],
                    dep=["fundPayroll", "topUp"], out=["claimSalary", "releaseVested"],
                    admin=["employer", "hr"], tok=["payToken", "salaryToken"],
                    param=["cliffDuration", "ratePerSecond"], noun="employee salaries"),
    "crowdfund": dict(C=["Crowdsale", "FundRaiser", "LaunchPad"], bal=["pledges", "contributedBy"],
                      dep=["pledge", "back"], out=["refundPledge", "withdrawRaise"],
                      admin=["creator", "organizer"], tok=["raiseToken", "saleToken"],
                      param=["goal", "deadline"], noun="backer pledges"),
    "bridge": dict(C=["TokenBridge", "L2Gateway", "PortalVault"], bal=["lockedOf", "outbound"],
                   dep=["lockTokens", "bridgeOut"], out=["unlock", "finalizeWithdrawal"],
                   admin=["relayer", "bridgeAdmin"], tok=["bridgedToken", "canonicalToken"],
                   param=["bridgeFeeBps", "dailyLimit"], noun="bridged tokens"),
}
# Eval-only renames for paraphrase rows: fresh identifiers for train domains.
PARA_DOMAINS = {
    "vault": dict(C=["StrongBox", "CofferV2"], bal=["ledger", "owed"], dep=["put"], out=["take"],
                  admin=["custodian"], tok=["baseAsset"], param=["skimBps"], noun="vault deposits"),
    "staking": dict(C=["BondingHall", "StakeKeeper"], bal=["lockedStake", "position"], dep=["commit"],
                    out=["release"], admin=["steward"], tok=["bondToken"], param=["dripRate"],
                    noun="staked funds"),
    "auction": dict(C=["GavelHouse", "SealedBids"], bal=["outbid", "returnsOwed"], dep=["raise"],
                    out=["collectRefund"], admin=["host"], tok=["bidAsset"], param=["stepSize"],
                    noun="bidder refunds"),
    "dao": dict(C=["MolochLite", "CoopFund"], bal=["stakeIn", "memberBal"], dep=["chipIn"],
                out=["quit"], admin=["chair"], tok=["voteToken"], param=["passBps"],
                noun="member treasury funds"),
    "lending": dict(C=["PawnShop", "RateDesk"], bal=["posted", "margin"], dep=["post"],
                    out=["unpost"], admin=["curator"], tok=["loanAsset"], param=["ltvBps"],
                    noun="lender collateral"),
    "nft": dict(C=["GlyphMint", "TinyTowns"], bal=["mintCount", "takenBy"], dep=["forge"],
                out=["payout"], admin=["studio"], tok=["mintCurrency"], param=["priceWei"],
                noun="mint proceeds"),
}

PRAGMAS_08 = ["^0.8.19", "^0.8.20", "^0.8.24", "^0.8.17", "0.8.21", "^0.8.0"]
PRAGMAS_07 = ["^0.7.6", "^0.7.0", "0.7.4"]
PRAGMAS_06 = ["^0.6.12", "^0.6.6", "0.6.10"]
LICENSES = ["MIT", "GPL-3.0", "UNLICENSED", "BUSL-1.1", "Apache-2.0", "AGPL-3.0-only"]
AMOUNT = ["amount", "value", "wad", "qty"]
OWED = ["owed", "due", "pending", "credit"]
USER = ["account", "user", "who", "holder"]


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


def pick_names(domain: str, pools: dict, rng) -> Names:
    """Draw one identifier from each pool of the domain."""
    d = pools[domain]
    return Names(domain=domain, C=rng.choice(d["C"]), bal=rng.choice(d["bal"]), dep=rng.choice(d["dep"]),
                 out=rng.choice(d["out"]), admin=rng.choice(d["admin"]), tok=rng.choice(d["tok"]),
                 param=rng.choice(d["param"]), noun=d["noun"], amt=rng.choice(AMOUNT),
                 owed=rng.choice(OWED), user=rng.choice(USER))
