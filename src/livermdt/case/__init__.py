"""livermdt.case"""
