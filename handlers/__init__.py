"""Slack-facing listeners: thin adapters from payloads to services and back to Block Kit."""
