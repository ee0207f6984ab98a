"""livermdt.web"""
