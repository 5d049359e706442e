"""The Provider Oversight Board: scoring, the month, decisions, insight and packs."""
