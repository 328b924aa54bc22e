"""Playbooks: the objection library with recommended answers, battle cards per competitor, and answer search."""
