"""Intake: the files a council brings in, their formats and mappings, and the CQC ratings feed."""
