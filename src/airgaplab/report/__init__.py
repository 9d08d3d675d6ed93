"""Conformance reports: evidence on failure, Allure extras, summary.json/html, history."""
