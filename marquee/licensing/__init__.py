"""The licence register: licensors, properties, licences, royalty terms and product approvals.

`gate.py` decides whether a product may be published or sold; the app
registers it with the catalogue and checkout extension points on load.
"""
