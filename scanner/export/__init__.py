"""Writing results out to AWS: Security Hub findings and results files in S3.

The write side, kept apart from scanner.collect, which only reads: the scanning role never holds
these permissions (scanner.collect.permissions.EXPORT_OPERATIONS), and the collector's
declared-operation check refuses them. Like scanner.collect, this package may import boto3.
"""
