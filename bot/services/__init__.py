"""Use cases every interface calls: the CLI, Slack handlers and scheduled jobs."""
