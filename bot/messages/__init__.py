"""Block Kit for every message and view the bot shows; pure functions of the data."""
