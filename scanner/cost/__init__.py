"""The cost view: what each repository's images cost to store, and what expiring would save."""
