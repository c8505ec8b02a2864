"""Documents Resolve produces for people to file: the dispute record as PDF."""
