"""Audit: what turns verdicts into evidence an auditor can file.

Waivers (accepted failures with an approver and an expiry), suppressions written in IaC sources,
the baseline of known failures, the evidence header, the history database, and merging and
comparing results files. It sits beside evaluation: it reads and amends results, never policies.
"""
