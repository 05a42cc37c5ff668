"""Builders for the hand-authored ftflow recipe data sets."""
