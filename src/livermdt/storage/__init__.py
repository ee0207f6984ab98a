"""livermdt.storage"""
