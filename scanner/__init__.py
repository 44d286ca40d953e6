"""ecrscan: policy-as-code compliance scanning for Amazon ECR."""

__version__ = "0.1.0"
