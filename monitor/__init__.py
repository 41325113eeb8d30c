"""Plan monitoring and evaluation (规划实施监测评估): progress rules, target tables, comparisons.

Framework-free: plain pandas over the knowledge base and the imported actuals.
"""
