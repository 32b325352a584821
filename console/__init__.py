"""`trygg`: the command line for case systems, staff and operators."""
