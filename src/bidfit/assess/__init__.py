"""Figures and findings: the analysis of a case, its rules and the deal room."""
