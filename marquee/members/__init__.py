"""Backers of films: programmes of fixed-price units, memberships, member prices and perks.

merch never imports this package: member prices are a registered price
rule, member-only variants a registered catalogue filter and checkout
validator, and payments for units go through merch's transaction API.
"""
