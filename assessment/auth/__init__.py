"""Signing in and out, and the accounts behind them."""
