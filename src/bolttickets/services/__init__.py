"""Use cases (commands) and read models (queries). Services own transactions."""
