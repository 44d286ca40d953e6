"""Continuous compliance: re-judge what an ECR change touched, on the change itself.

EventBridge delivers ECR's own events and CloudTrail's record of ECR API calls to the Lambda
entry point (scanner.aws_lambda.handler); `events` reads each into a re-check (which account,
region and repositories), `recheck` runs it (collect, evaluate, export to Security Hub, keep the
results in S3) and `organization` holds the steps of the organisation-wide state machine.
"""
