"""The foundation every MMS app builds on; it imports none of them.

Roles, the history base, domain errors, pagination, the API base classes, one document-number sequence,
the screen permission decorator, ``notify()``, who sees which sites, and the panel registry that lets an
app show a panel on another app's page without importing it.
"""
