"""Scheduled jobs: the deadline sweep, outbox delivery and digests."""
