"""Building blocks of the REST API (``/api/v1/``): every app's ``api.py`` builds on these.

What is here:
- ``authentication``: session (the browser, CSRF-checked) and tokens (``Authorization: Token <key>``;
  ``Bearer <key>`` works too). Tokens are created in the admin and bound to a user, hence to its roles
  and sites.
- ``permissions.RolePermissions``: Django model permissions of the user's roles, including ``view_`` for
  reads. Custom ``@action`` endpoints need ``view_`` on the viewset's model plus whatever the view lists in
  ``action_permissions[action]``; the service called then decides (owner role, executing role...).
- ``pagination``: ``PagePagination`` (``?page=``, ``?page_size=``, with ``count``) for master data and
  ``CountFreePagination`` (same parameters, no ``count``: one query per page however large the table) for
  big tables (orders, readings, deliveries).
- ``filters.UpdatedSinceFilter``: ``?updated_since=<ISO 8601>`` on every list (the default filter backends
  add it, with django-filter and ``?ordering=``).
- ``exceptions.exception_handler``: ``ActionForbidden`` -> 403, ``ActionNotAllowed`` -> 409, Django
  ``ValidationError`` -> 400 with field errors; everything as JSON (``{"detail": ...}`` or field errors).
- throttling (settings, ``core/api/throttling.py``): per-user and anonymous rates, plus scoped rates
  (``throttle_scope = "readings_bulk"``), counted per fixed window.
- ``viewsets``: ``ScopedViewSetMixin`` and the read-only / writable base viewsets; ``serializers``:
  ``CleanModelSerializer`` (runs the model's ``full_clean()``, so single-row rules answer 400).

How an app adds its endpoints:
1. In ``<app>/api.py`` write ``<Model>Serializer`` classes and ``<Model>ViewSet`` classes deriving from
   ``core.api.viewsets.ReadOnlyViewSet`` or ``WritableViewSet``. Set ``queryset``, ``serializer_class``,
   ``filterset_class`` (share the FilterSet of the screens) or ``filterset_fields``, ``ordering_fields``,
   and implement ``scope(queryset, site_ids)`` with the model's ``in_sites`` QuerySet method (``site_ids``
   is ``None`` for every site) so other sites' ids answer 404. Orders use ``WorkOrder.objects.visible_to``.
   State changes are ``@action(detail=True, methods=["post"])`` calling the app's service; never write a
   state field from a serializer (declare it read-only).
2. Give each viewset a ``register(router)`` line in the app's ``ROUTES`` list::

       ROUTES = [("stock-movements", StockMovementViewSet, "stockmovement")]

   (URL prefix, viewset, basename). Then add the module to ``API_MODULES`` in ``mms/api_urls.py`` (a one-line
   edit). URL names are ``api:<basename>-list`` / ``api:<basename>-detail``.
3. Test it like ``mms/tests/test_api.py``: each role allowed and forbidden, other sites' ids -> 404, and a
   query-count assertion on the list (``django_assert_max_num_queries``). ``mms/tests/test_api_schema.py``
   fails on any drf-spectacular warning, so annotate custom actions with ``extend_schema``.
"""
