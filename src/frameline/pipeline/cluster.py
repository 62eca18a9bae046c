"""Where batches run: in this process, in a local process pool, or on a Dask cluster.

The runner sees one small interface (`BatchExecutor`): submit a batch, wait
until at least one finishes, close.  Each place prepares an analyser once per
process (`prepared_analyser`), so models load once per worker, not per batch.
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import os
import pickle
from collections import OrderedDict
from hashlib import sha256
from typing import Any, Protocol

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput

_PREPARED: OrderedDict[str, Analyser] = OrderedDict()
_PREPARED_LIMIT = 8  # long-lived Dask workers see many analyser versions over time
# While batches run (`analyze` in the main process, a local pool worker for its life) the collector's
# youngest generation is collected every this many allocations, not 700: a batch's inputs and outputs
# are tens of thousands of small containers that live until it is stored, and walking them every 700
# allocations cost 2-4 % of a base run.
BATCH_GC_THRESHOLD = 10_000


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler named by --cluster cannot be reached."""


class AnalyserNotPicklable(RuntimeError):
    """An analyser must pickle to reach worker processes; its models belong in `setup()`, not its state."""


def analyser_token(analyser: Analyser) -> str:
    """Identifies an analyser's configuration, so a worker reuses what it prepared for it."""
    try:
        return sha256(pickle.dumps(analyser)).hexdigest()
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise AnalyserNotPicklable(
            f"analyser {analyser.name!r} cannot be sent to worker processes ({error}); keep loaded models out "
            "of its pickled state (load them in setup()), or run with one worker"
        ) from error


def prepared_analyser(token: str, analyser: Analyser) -> Analyser:
    """This process's prepared copy of the analyser: `setup()` runs once per process and configuration."""
    found = _PREPARED.get(token)
    if found is None:
        analyser.setup()
        found = _PREPARED[token] = analyser
        while len(_PREPARED) > _PREPARED_LIMIT:
            _PREPARED.popitem(last=False)
    return found


def prepare_pool_worker(token: str, analyser: Analyser) -> None:
    """A local pool worker's start: prepare the analyser, then take everything it holds out of the collector's way.

    The worker lives for one stage; its models, automata and configuration live as long, and
    without `gc.freeze()` every full collection (a few per batch) walks them all again.  The
    youngest generation is collected as rarely as during a run in the main process.
    """
    prepared_analyser(token, analyser)
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], BATCH_GC_THRESHOLD), *threshold[1:])


def analyse_batch(token: str, analyser: Analyser, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
    """The unit of work shipped to a worker process or a Dask worker."""
    return prepared_analyser(token, analyser).analyse(batch)


class BatchExecutor(Protocol):
    capacity: int  # batches that can run at once

    def submit(self, token: str, analyser: Analyser, batch: list[DocumentInput]) -> Any: ...
    def wait_first(self, futures: list[Any]) -> set[Any]: ...
    def close(self) -> None: ...


class InlineExecutor:
    """Runs each batch at once in this process: no start-up cost for a single small batch, nothing pickled.

    What exists when a batch starts (the prepared analyser, the store, the runner's state) outlives
    it, so it is frozen out of the collector's way (`gc.freeze`), as in a pool worker; `analyze`
    unfreezes it when the run ends.
    """

    capacity = 1

    def submit(self, token: str, analyser: Analyser, batch: list[DocumentInput]) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            analyser.setup()
            gc.freeze()
            future.set_result(analyser.analyse(batch))
        except Exception as error:  # reported through the future, as the pools do
            future.set_exception(error)
        return future

    def wait_first(self, futures: list[Any]) -> set[Any]:
        return set(futures)

    def close(self) -> None:
        pass


class LocalPoolExecutor:
    """A process pool on this machine, one worker per core; each worker prepares the analyser as it starts."""

    def __init__(self, token: str, analyser: Analyser, workers: int | None = None) -> None:
        self.capacity = max(1, workers or os.cpu_count() or 1)
        # forkserver, not fork: the caller may have threads (the web server, `frameline watch`,
        # progress bars) and a forked child inherits their locks held, which can deadlock it.
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.capacity, initializer=prepare_pool_worker, initargs=(token, analyser),
            mp_context=multiprocessing.get_context("forkserver"),
        )

    def submit(self, token: str, analyser: Analyser, batch: list[DocumentInput]) -> concurrent.futures.Future:
        return self._pool.submit(analyse_batch, token, analyser, batch)

    def wait_first(self, futures: list[Any]) -> set[Any]:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Batches sent to a dask.distributed scheduler (`tcp://host:8786`); results come back here to be stored.

    Workers need Frameline and the analysers' packages installed; they never
    touch the database, so only the scheduler address has to be reachable.
    """

    def __init__(self, address: str, timeout_s: float = 10.0) -> None:
        from distributed import Client  # imported here: a plain local run never pays for it

        try:
            self._client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address}: {error}") from error
        self.capacity = max(1, sum(self._client.nthreads().values()))
        self._remote: dict[concurrent.futures.Future, Any] = {}

    def submit(self, token: str, analyser: Analyser, batch: list[DocumentInput]) -> concurrent.futures.Future:
        """A local future that settles when the cluster's does, so waiting works as it does for the pool."""
        remote = self._client.submit(analyse_batch, token, analyser, batch, pure=False)
        local: concurrent.futures.Future = concurrent.futures.Future()
        self._remote[local] = remote  # holding the remote future keeps its result on the cluster until fetched

        def settle(finished: Any) -> None:
            try:
                local.set_result(finished.result())
            except BaseException as error:  # the analyser's own exception, re-raised by result()
                local.set_exception(error)
            finally:
                self._remote.pop(local, None)

        remote.add_done_callback(settle)
        return local

    def wait_first(self, futures: list[Any]) -> set[Any]:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def close(self) -> None:
        for remote in list(self._remote.values()):
            remote.cancel()
        self._client.close()
