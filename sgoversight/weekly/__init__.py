"""The weekly report: its settings, rules, reads and pack."""
