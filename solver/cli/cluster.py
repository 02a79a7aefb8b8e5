"""A Dask client for `siting batch` and `siting sweep --workers`: a LocalCluster, or a running scheduler."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer


def check_cluster_options(workers: int | None, scheduler: str | None) -> None:
    """Usage errors (exit 2) for --workers / --scheduler."""
    if workers is not None and workers < 0:
        raise typer.BadParameter(f"must be >= 0; got {workers}", param_hint="--workers")
    if workers is not None and scheduler is not None:
        raise typer.BadParameter("give either --workers (a local cluster) or --scheduler (a running one)",
                                 param_hint="--workers / --scheduler")


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A dask.distributed Client: of the scheduler at ``scheduler``, else of a LocalCluster of ``workers``
    processes (default: one per core) with one thread each; None when ``workers`` is 0 (in process)."""
    if scheduler is None and workers == 0:
        yield None
        return
    import logging

    import dask
    from distributed import Client, LocalCluster

    # the workers' statistical profiler (a sample every 10 ms) feeds only the dashboard: off
    dask.config.set({"distributed.worker.profile.enabled": False})

    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise typer.BadParameter(f"cannot reach the scheduler: {exc}", param_hint="--scheduler") from None
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=":0",  # its HTTP server (always started) on a free port
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def describe(client: Any, scheduler: str | None) -> str:
    if client is None:
        return "in this process"
    n = len(client.scheduler_info().get("workers", {}))
    return f"on {n} Dask workers ({getattr(client.scheduler, 'address', scheduler)})"
