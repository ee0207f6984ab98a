"""livermdt.engine"""
