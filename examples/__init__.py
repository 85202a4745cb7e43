"""Runnable example stacks; ``app.py`` picks one with ``cdk synth -c example=NAME``."""
