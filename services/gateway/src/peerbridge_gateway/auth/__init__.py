"""Who is calling: external RS256 tokens verified against trusted keys, dev tokens, internal tokens."""
