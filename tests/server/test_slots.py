"""server/threads.py's Slots: how many requests run their synchronous code at once, and what a request
cancelled while it waits for a slot leaves behind (nothing: its code never runs)."""

import asyncio
import threading
import time

from asgiref.sync import ThreadSensitiveContext

from civic311.server.threads import RequestThread, RequestThreads, Slots


async def in_request(threads: RequestThreads, slots: Slots, fn, *args):
    """As the handler runs a request: its own thread, its code through the slots."""
    thread = RequestThread(threads)
    try:
        async with ThreadSensitiveContext(executor=thread):
            return await slots.run(fn, *args)
    finally:
        thread.end()


def test_no_more_than_size_run_at_once_and_the_rest_wait_their_turn():
    slots, threads = Slots(2), RequestThreads()
    running, most, lock = [0], [0], threading.Lock()

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return n

    async def main():
        return await asyncio.gather(*(in_request(threads, slots, work, n) for n in range(7)))

    assert asyncio.run(main()) == list(range(7))
    assert most[0] == 2


def test_a_request_cancelled_while_waiting_never_runs_and_frees_nothing_twice():
    slots, threads = Slots(1), RequestThreads()
    ran: list[str] = []
    gate = threading.Event()

    def work(name: str) -> str:
        ran.append(name)
        gate.wait(5)
        return name

    async def main():
        first = asyncio.create_task(in_request(threads, slots, work, "first"))
        await asyncio.sleep(0.05)  # first holds the only slot
        waiting = [asyncio.create_task(in_request(threads, slots, work, f"gone-{n}")) for n in range(5)]
        await asyncio.sleep(0.05)
        for task in waiting:
            task.cancel()  # their clients hung up
        gate.set()
        assert await first == "first"
        after = await in_request(threads, slots, work, "after")  # the slot came back, once
        results = await asyncio.gather(*waiting, return_exceptions=True)
        return after, results

    after, results = asyncio.run(main())
    assert after == "after"
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert ran == ["first", "after"]


def test_a_request_cancelled_while_its_code_runs_keeps_the_slot_until_the_code_ends():
    slots, threads = Slots(1), RequestThreads()
    order: list[str] = []

    def slow() -> None:
        time.sleep(0.2)
        order.append("slow ended")

    def quick() -> None:
        order.append("quick ran")

    async def main():
        ghost = asyncio.create_task(in_request(threads, slots, slow))
        await asyncio.sleep(0.05)
        ghost.cancel()  # the client left; the thread cannot be stopped
        await in_request(threads, slots, quick)

    asyncio.run(main())
    assert order == ["slow ended", "quick ran"]
