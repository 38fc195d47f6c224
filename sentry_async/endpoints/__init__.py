"""Endpoint namespaces: one module per URL family, each a set of thin calls."""
