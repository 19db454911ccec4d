"""Work orders: what is being done, and the scheduler that makes and moves planned orders.

Where a business action lives (one rule per module; the ``orders-inside`` import contract in
pyproject.toml keeps them layered, top to bottom):

- ``services``: the order's own life: creating orders (corrective, ad hoc), every execution transition
  (approve ... accept, rework, skip, reject, join, cancel), assignment rules, costs. Screens, API, admin
  and tasks call these.
- ``records``: what is recorded on an order while it is worked (labour, checklist answers, collected
  data, parts used, comments, attachments), on top of ``services``' permission rules.
- ``scheduler``: the set-based timers (``generate``, ``advance_schedule``) and the schedule machine they
  derive from the transitions declared on ``WorkOrder``.
- ``readings`` and ``readings_bulk``: what recorded readings do to orders (usage triggers), for one
  reading (``assets.services.reading_record`` signals it) and for many at once (the bulk endpoint).
- ``webhooks`` and ``actions``: delivery of events to integrators, and the actions schedule
  transitions fire (notify, webhook, hold, purchase request, raise priority), run by Celery with retries.
- ``tasks``: Celery entry points only; they load by id and call the modules above. Lower modules queue
  them by name (``core.jobs``), never by importing ``tasks``.
"""
