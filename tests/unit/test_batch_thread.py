"""Only the batch thread runs torch on several threads while a server runs (serving/batching.py `start`)."""

from __future__ import annotations

import threading

import torch

from serving.batching import DynamicBatcher
from serving.metrics import ServingMetrics
from serving.settings import ServingSettings


def threads_of_a_new_thread() -> int:
    """What torch uses on a thread that starts torch work now (a load, a warm-up, the router)."""
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


def test_the_batch_thread_keeps_its_torch_threads_and_later_threads_run_torch_on_one():
    before = threads_of_a_new_thread()
    batcher = DynamicBatcher(lambda alias, model: None, ServingSettings(torch_threads=3), ServingMetrics())
    batcher.start()
    try:
        assert batcher.torch_threads == 3  # read on the batch thread itself
        assert threads_of_a_new_thread() == 1
    finally:
        batcher.stop()
    assert threads_of_a_new_thread() == before  # the process's default is back


def test_a_llama_cpp_server_leaves_torch_alone():
    before = threads_of_a_new_thread()
    settings = ServingSettings(backend="llama_cpp", torch_threads=3)
    batcher = DynamicBatcher(lambda alias, model: None, settings, ServingMetrics())
    batcher.start()
    try:
        assert batcher.torch_threads == 0
        assert threads_of_a_new_thread() == before
    finally:
        batcher.stop()
