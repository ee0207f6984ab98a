"""livermdt.services"""
