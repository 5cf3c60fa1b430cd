"""Renderers: one module per output format; they only render, never judge."""
