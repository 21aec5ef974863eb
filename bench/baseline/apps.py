from django.apps import AppConfig


class BaselineConfig(AppConfig):
    """Baseline views and the bulk seeder for the benchmarks. Installed only with VOCES_BENCH=1."""

    name = "bench.baseline"
    label = "bench_baseline"
