"""livermdt.cli"""
