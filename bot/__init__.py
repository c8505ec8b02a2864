"""Resolve: runs a safeguarding partnership's resolving-professional-differences protocol."""
