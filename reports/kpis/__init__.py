"""The KPIs: one service module per family, each computed in SQL over a ``Scope`` and ``Period``
(``reports.kpis.common``). Screens, the API, the exports and the PDF report all call these."""
