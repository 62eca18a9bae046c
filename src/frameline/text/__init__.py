"""Text handling shared by search, storage and every analyser."""
