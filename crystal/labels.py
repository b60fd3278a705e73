"""The two answers of the crystal check, as data names and as words: written once, for every wing.

>>> LABELS, LABEL_TEXT[NO_CRYSTAL]
(('crystal', 'no_crystal'), 'No crystal')
"""

CRYSTAL, NO_CRYSTAL = "crystal", "no_crystal"
LABELS = (CRYSTAL, NO_CRYSTAL)
LABEL_TEXT = {CRYSTAL: "Crystal", NO_CRYSTAL: "No crystal"}
