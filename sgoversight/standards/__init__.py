"""The six safeguarding standards: settings, rules, reads, stored results and reports."""
