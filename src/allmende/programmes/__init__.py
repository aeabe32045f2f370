"""Data-project programmes: calls, their application forms, applications."""
