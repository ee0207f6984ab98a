"""livermdt.analytics"""
