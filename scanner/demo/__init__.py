"""The embedded demo: an emulated AWS account (moto) seeded with a realistic ECR estate."""
