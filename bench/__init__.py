"""storeflow's benchmarks against its peers: ``nox -s bench`` (``-- --quick`` for a short run).

Each ``bench_*`` module measures one thing, prints its table and can run alone
(``python -m bench.bench_decode --quick``); ``python -m bench`` runs them all and writes
``bench/REPORT.md``, ``bench/results/latest.json`` and ``bench/results/latest.png``.
"""
