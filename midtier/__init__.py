"""Midtier: opportunity intelligence for independent developers."""

__version__ = "0.1.0"
