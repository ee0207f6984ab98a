"""livermdt.imaging"""
