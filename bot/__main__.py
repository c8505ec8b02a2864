"""Allows `python -m bot` as well as the `resolve` console script."""

from bot.cli import main

main()
