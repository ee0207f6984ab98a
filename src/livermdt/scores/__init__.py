"""livermdt.scores"""
