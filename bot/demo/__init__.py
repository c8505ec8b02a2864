"""`resolve demo`: one dispute through every stage, on the emulator, with time fast-forwarded."""
