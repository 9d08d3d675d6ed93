"""Conformance reports: a suite run's results as summary.json/html, Allure results with their extras, history
across runs (run, summary, html).

May import: exercise, suite, probes, backends, lab and the foundation. Not cli.
"""
