"""Spot checks and audits (抽查): plans, phone checks (manual and IVR), roll-calls, inspections, circulars,
explanations, reminder notices, exports and statistics. One module per concern:

plans · results · roster (adapter) · calls (delivery adapter) · ivr · receipts · records · circulars · docs ·
charts · exports · stats · report · demo
"""
