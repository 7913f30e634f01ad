"""Renewal cases: one organisation's renewal of one owner's ViPNet certificate.

A case is a timeline of dated events; its state is derived from the timeline
(see model.py). The modules here are a pure core: the working-day calendar,
deadlines, matching a scan to a case, reading requests and certificates, and
the letters that are due. Only duties.py and the repository (repo.py) touch
the store.
"""
