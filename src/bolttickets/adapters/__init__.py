"""Adapters: one module (or package) per technology, each implementing the service ports."""
