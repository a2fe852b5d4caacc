"""Royalty statements: closing a period, the files a licensor receives, and its audit."""
