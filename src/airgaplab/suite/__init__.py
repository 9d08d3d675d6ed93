"""The conformance suite's machinery: the pytest plugin (options, finding or bringing up the lab, fixtures,
failures rewritten as `REQ host: observed. hint`, outcomes and the terminal table), the requirement catalog,
testinfra hosts and their checks, and the evidence a report keeps. The tests themselves live in
tests/conformance/.

May import: probes, backends, lab and the foundation. Not exercise, report or cli.
"""
