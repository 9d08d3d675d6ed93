"""The lab's services, each a module of its own: chrony's NTP (`ntp`) and BIND's DNS (`dns`), the notes' chapter.

A service module (`airgaplab/services/<name>/`) holds everything the lab knows of that service — `section.py`
(its part of the lab spec), `service.py` (`SERVICE`: a `base.Service` with its hooks filled in), `templates/` and
`steps/` (the files it installs and the steps that install them, the same on every backend), `catalog.yaml` (its
requirements), `conformance/` (the suite's tests of them) and `drills.py`. `registry` finds them by name; this
package's own import loads none of them (the spec imports a section without the lab's other layers).
"""
