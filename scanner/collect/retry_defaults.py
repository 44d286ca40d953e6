"""The retry budget's defaults, free of AWS SDK imports: `--help` shows them without loading
boto3, and scanner.collect.session builds clients with them.
"""

# Attempts per call, the first one included (botocore's `total_max_attempts`; its `max_attempts`
# key counts retries only). "adaptive" mode adds client-side rate limiting to exponential backoff,
# which matters because ECR throttles DescribeImages and friends at a few requests per second per
# account; ten attempts ride out a throttling burst of about a minute (backoff is capped at 20 s)
# before the call is recorded as failed.
MAX_ATTEMPTS = 10
RETRY_MODE = "adaptive"
RETRY_MODES = ("adaptive", "standard")
# Seconds. An unreachable endpoint should fail fast; a slow answer is still an answer.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
