"""The lanes of ``send`` and ``delete``: users placed by load, held by one lane while it has their records."""

from __future__ import annotations

import threading
from collections import Counter

from bridge.cloud._lanes import Batch, Lanes


def test_users_fill_the_lanes_evenly_whatever_their_ids() -> None:
    # 5000 users of 20 events each over 15 lanes: a hash of the ids gave 6,140 to 7,120 records a lane
    # (8 requests for the busiest); placed by load, every lane gets 6,660 to 6,680 and sends 7.
    hold: list[Batch] = []
    lanes = Lanes(15, 1000, hold.append, threads=False)
    # Every batch's users held to the end, as a lane holds them until its answer (at 1 s a request, all along).
    lanes._release = lambda batch: None  # type: ignore[method-assign]
    for n in range(100_000):
        lanes.add(f"user-{n % 5000}", n + 1, [b"{}"], b"{}", False)
    lanes.finish()
    per_lane: Counter[int] = Counter()
    for batch in hold:
        per_lane[batch.lane] += len(batch.items)
    assert sorted(per_lane) == list(range(15))
    assert min(per_lane.values()) >= 6_660 and max(per_lane.values()) <= 6_680
    assert Counter(batch.lane for batch in hold) == {lane: 7 for lane in range(15)}


def test_a_user_stays_in_its_lane_until_its_records_are_answered_then_may_move() -> None:
    sent: list[Batch] = []
    gate = threading.Event()

    def send(batch: Batch) -> None:
        sent.append(batch)
        if batch.users == ["a"]:
            gate.wait(10)  # "a"'s first request is on the wire until the gate opens

    lanes = Lanes(2, 1, send)
    lanes.add("a", 1, [b"1"], b"", False)  # lane 0 (both empty)
    lanes.add("b", 2, [b"2"], b"", False)  # lane 1 (lane 0 holds "a"); "a"'s batch goes out
    lanes.add("a", 3, [b"3"], b"", False)  # "a" is still held by lane 0, the busier one
    assert lanes.lane_for("a", 0) == 0
    gate.set()
    lanes.finish()
    by_user = {user: [b.lane for b in sent if b.users == [user]] for user in ("a", "b")}
    assert by_user == {"a": [0, 0], "b": [1]}
    assert [b.lines for b in sent if b.users == ["a"]] == [[1], [3]]  # in input order
    assert lanes._held == {} and lanes._load == [0, 0]  # every batch answered: nothing held


def test_what_is_held_is_only_what_is_in_the_lanes() -> None:
    lanes = Lanes(3, 10, lambda batch: None, threads=False)
    for n in range(1000):
        lanes.add(f"user-{n}", n + 1, [b"{}"], b"{}", False)
    lanes.finish()
    assert lanes._held == {} and lanes._load == [0, 0, 0]
