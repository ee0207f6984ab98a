"""Package and format versions, and the notice every output carries.

The knowledge version (the rule set and evidence base) is versioned separately from the code, in
``livermdt.knowledge``; see ``livermdt.knowledge.KNOWLEDGE_VERSION``.
"""

from __future__ import annotations

__version__ = "1.0.0"

#: Printed by the CLI, shown on every page and in every decision letter.
DISCLAIMER = (
    "livermdt supports and does not replace the judgement of the multidisciplinary team: "
    "it proposes, explains and cites; the MDT decides."
)
