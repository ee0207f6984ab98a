"""The rule set: small pure functions over the facts of a case, one per Part A item or sub-item.

``RESECTABILITY_RULES`` decide the category (each reason carries the category it argues for);
``PROPOSAL_RULES`` then read the category and propose. ``RULES`` documents both for
``docs/rules.md``.
"""
