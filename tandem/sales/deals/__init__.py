"""Deals: pipelines with ordered stages, deals moving through them, the board, winning and losing."""
