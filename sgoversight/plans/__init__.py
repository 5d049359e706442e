"""Improvement plans, their actions, enhanced monitoring and provider staff's workstream."""
