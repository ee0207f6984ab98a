"""livermdt.interop"""
