"""The application layer: each use case of the commissioner, once.

The command line (:mod:`commissioner.cli`) and the desktop GUI (:mod:`ui`) are thin faces over
the functions here. A use case takes an :class:`~commissioner.app.context.AppContext` (where the
data lives, the settings and the :class:`~commissioner.app.site.Site` being worked on) and
reports progress through one event type (:class:`~commissioner.app.events.Event`). Expected
problems are raised as :class:`commissioner.errors.UserError` with what to do next.
"""
