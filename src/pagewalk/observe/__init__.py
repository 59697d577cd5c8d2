"""Observation: counters, tracepoints, /proc views, invariant checks, the demo."""
