"""The study group's side: the notes' four steps graded (`check`) and solved (`solve`), break/fix drills, faults
and the way back after them (heal), saved states and going back to them (rewind).

May import: suite, probes, backends, lab and the foundation. Not report or cli.
"""
