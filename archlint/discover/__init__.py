"""discover"""
