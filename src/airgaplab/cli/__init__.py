"""The `airgaplab` command: thin typer commands over the packages below (main: up, down, status, shell, exec,
render, doctor, report, nightly; exercise: check, solve, drill; state; fault; box), with rich output.

May import: every package of airgaplab. Nothing imports it (but __main__).
"""
